// How an xm subcommand fails. The original told its failures apart by
// exception class in main.py's _run_cmd, and scripts depend on the message
// and exit status each class got (XEND.md 1.2); Failure::Kind keeps those
// classes, and report_failure() in main.cpp is the one place that turns a
// Failure into xm's output.
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <variant>

namespace xvm::xm {

struct Failure {
    enum class Kind : std::uint8_t {
        kFault,            // xend answered with a fault (fault_code, message)
        kNoXend,           // could not reach xend (message: the reason)
        kBadReply,         // xend's answer was not HTTP / XML-RPC
        kUsage,            // bad invocation: "Error: <message>" + usage
        kInvalidArgument,  // a value xm could not convert: "Invalid argument." + usage
        kPlain,            // "Error: <message>" and nothing else
        kQuiet,            // already reported; exit status in fault_code
    };

    Kind kind = Kind::kPlain;
    std::int32_t fault_code = 0;
    std::string message;

    static Failure plain(std::string m) { return {Kind::kPlain, 0, std::move(m)}; }
    static Failure usage(std::string m) { return {Kind::kUsage, 0, std::move(m)}; }
    static Failure invalid_argument() { return {Kind::kInvalidArgument, 0, {}}; }
    static Failure fault(std::int32_t code, std::string m) { return {Kind::kFault, code, std::move(m)}; }
    static Failure quiet(int exit_status) { return {Kind::kQuiet, exit_status, {}}; }
};

// A value or the Failure that prevented it (the shape of Result<T>).
template <typename T>
class [[nodiscard]] Expected {
public:
    Expected(T value) : v_(std::in_place_index<0>, std::move(value)) {}
    Expected(Failure failure) : v_(std::in_place_index<1>, std::move(failure)) {}

    bool has_value() const { return v_.index() == 0; }
    explicit operator bool() const { return has_value(); }
    T& operator*() & { return std::get<0>(v_); }
    const T& operator*() const& { return std::get<0>(v_); }
    T&& operator*() && { return std::get<0>(std::move(v_)); }
    T* operator->() { return &std::get<0>(v_); }
    const T* operator->() const { return &std::get<0>(v_); }
    const Failure& failure() const& { return std::get<1>(v_); }
    Failure&& failure() && { return std::get<1>(std::move(v_)); }

private:
    std::variant<T, Failure> v_;
};

template <>
class [[nodiscard]] Expected<void> {
public:
    Expected() = default;
    Expected(Failure failure) : failure_(std::move(failure)), ok_(false) {}

    bool has_value() const { return ok_; }
    explicit operator bool() const { return ok_; }
    const Failure& failure() const& { return failure_; }
    Failure&& failure() && { return std::move(failure_); }

private:
    Failure failure_;
    bool ok_ = true;
};

// What a subcommand returns: success, or why not.
using Outcome = Expected<void>;

}  // namespace xvm::xm
