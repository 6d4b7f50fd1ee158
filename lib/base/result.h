// Errors as values. A fallible function returns Result<T>: either a T or an
// Error {code, message}. The code is an errno value (0 when none applies);
// the message already names the thing and the reason, and callers add
// context on the way up with Error::context(). The shape follows
// std::expected so the switch to it (C++23) is mechanical.
#pragma once

#include <cerrno>
#include <string>
#include <string_view>
#include <utility>
#include <variant>

namespace xvm {

struct [[nodiscard]] Error {
    int code = 0;         // errno value, or 0
    std::string message;  // "cannot open /x: permission denied"

    // "what: message", keeping the code. Used as errors travel upwards.
    Error context(std::string_view what) const&;
    Error context(std::string_view what) &&;
};

// "what: strerror(err)" with code err.
Error errno_error(std::string_view what, int err);
// Same, with the current errno.
Error errno_error(std::string_view what);
// A message with no errno behind it (EINVAL by default).
Error make_error(std::string message, int code = EINVAL);

template <typename T>
class [[nodiscard]] Result {
public:
    Result(T value) : v_(std::in_place_index<0>, std::move(value)) {}
    Result(Error error) : v_(std::in_place_index<1>, std::move(error)) {}

    bool has_value() const { return v_.index() == 0; }
    explicit operator bool() const { return has_value(); }

    T& value() & { return std::get<0>(v_); }
    const T& value() const& { return std::get<0>(v_); }
    T&& value() && { return std::get<0>(std::move(v_)); }
    T& operator*() & { return value(); }
    const T& operator*() const& { return value(); }
    T&& operator*() && { return std::move(*this).value(); }
    T* operator->() { return &value(); }
    const T* operator->() const { return &value(); }

    const Error& error() const& { return std::get<1>(v_); }
    Error&& error() && { return std::get<1>(std::move(v_)); }

private:
    std::variant<T, Error> v_;
};

template <>
class [[nodiscard]] Result<void> {
public:
    Result() = default;
    Result(Error error) : error_(std::move(error)), ok_(false) {}

    bool has_value() const { return ok_; }
    explicit operator bool() const { return ok_; }
    const Error& error() const& { return error_; }
    Error&& error() && { return std::move(error_); }

private:
    Error error_;
    bool ok_ = true;
};

using Status = Result<void>;

}  // namespace xvm
