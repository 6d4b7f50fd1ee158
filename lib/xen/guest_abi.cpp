#include "lib/xen/guest_abi.h"

#include <charconv>

#include "lib/base/format.h"

namespace xvm::guest_abi {
namespace {

template <typename T>
bool number(const std::string& text, T& out) {
    auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), out);
    return ec == std::errc() && end == text.data() + text.size();
}

}  // namespace

std::vector<std::string> to_words(const GuestStart& s) {
    std::vector<std::string> w = {"--domid", cat(s.domid), "--memory-kib", cat(s.memory_kib),
                                  "--vcpus", cat(s.vcpus),  "--kernel",     s.kernel,
                                  "--extra", s.extra};
    if (s.resume) w.push_back("--resume");
    return w;
}

Result<GuestStart> from_words(const std::vector<std::string>& words) {
    GuestStart s;
    for (std::size_t i = 0; i < words.size(); ++i) {
        const std::string& k = words[i];
        if (k == "--resume") {
            s.resume = true;
            continue;
        }
        if (i + 1 >= words.size()) return make_error(cat("option ", k, " needs a value"));
        const std::string& v = words[++i];
        bool ok = true;
        if (k == "--domid") ok = number(v, s.domid);
        else if (k == "--memory-kib") ok = number(v, s.memory_kib);
        else if (k == "--vcpus") ok = number(v, s.vcpus);
        else if (k == "--kernel") s.kernel = v;
        else if (k == "--extra") s.extra = v;
        else return make_error(cat("unknown option ", k));
        if (!ok) return make_error(cat("option ", k, ": '", v, "' is not a number"));
    }
    return s;
}

}  // namespace xvm::guest_abi
