// The S-expression dialect of xend's sxp.py and the layout of its
// PrettyPrint.py (XEND.md section 2; tools/python/xen/xend/sxp.py,
// tools/python/xen/xend/PrettyPrint.py at tag 3.3.0-rc7).
#include "lib/rpc/sexpr.h"

#include <gtest/gtest.h>

#include <string>

namespace xvm::rpc {

// Failures show the text form.
void PrintTo(const Sexpr& s, std::ostream* os) { *os << sexpr_to_string(s); }

namespace {

Sexpr parse_ok(std::string_view text) {
    auto v = parse_sexpr(text);
    EXPECT_TRUE(v) << text << ": " << v.error().message;
    return v ? *v : Sexpr();
}

std::string parse_error(std::string_view text, const SexprLimits& limits = {}) {
    auto v = parse_sexprs(text, limits);
    EXPECT_FALSE(v) << text;
    return v ? std::string() : v.error().message;
}

TEST(Sexpr, ParsesAtomsListsAndComments) {
    Sexpr v = parse_ok("# a domain\n(domain (domid 3) (name web01)  # trailing\n (memory 384))");
    ASSERT_TRUE(v.is_list());
    EXPECT_EQ(v.name(), "domain");
    EXPECT_EQ(v.value_int("domid"), 3);
    EXPECT_EQ(v.value_text("name"), "web01");
    EXPECT_EQ(v.value_int("memory"), 384);
    EXPECT_EQ(v.child_value("nothing"), nullptr);
    EXPECT_EQ(sexpr_to_string(v), "(domain (domid 3) (name web01) (memory 384))");
}

TEST(Sexpr, ParsesEveryTopLevelValue) {
    auto all = parse_sexprs("a (b) 'c d'\n");
    ASSERT_TRUE(all);
    ASSERT_EQ(all->size(), 3u);
    EXPECT_EQ((*all)[0], Sexpr::string("a"));
    EXPECT_EQ((*all)[1], Sexpr::list({Sexpr::string("b")}));
    EXPECT_EQ((*all)[2], Sexpr::string("c d"));
    EXPECT_TRUE(parse_sexprs("  # only a comment\n")->empty());
}

TEST(Sexpr, StringsHaveCEscapes) {
    EXPECT_EQ(parse_ok(R"('a\tb\n\\\'\"')"), Sexpr::string("a\tb\n\\'\""));
    EXPECT_EQ(parse_ok(R"("\x41\x4a\101\7")"), Sexpr::string("AJA\a"));
    EXPECT_EQ(parse_ok(R"('\x4g')"), Sexpr::string("\x04g"));  // one hex digit is enough
    EXPECT_EQ(parse_ok(R"('\q')"), Sexpr::string("\\q"));        // unknown escapes kept
    EXPECT_EQ(parse_ok("'two\nlines'"), Sexpr::string("two\nlines"));
    EXPECT_EQ(parse_ok("\"it's\""), Sexpr::string("it's"));
    EXPECT_EQ(parse_ok("''"), Sexpr::string(""));
}

TEST(Sexpr, AtomsEndAtDelimiters) {
    // sxp.py ends an atom at whitespace, '#' and {}()<>[]!; and starts a new
    // one at any such character other than a parenthesis.
    Sexpr v = parse_ok("(a[b] c#x\nd;e it's)");
    std::vector<std::string> texts;
    for (const Sexpr& item : v.items()) texts.push_back(item.str());
    EXPECT_EQ(texts, (std::vector<std::string>{"a", "[b", "]", "c", "d", ";e", "it's"}));
    EXPECT_EQ(parse_ok("(caf\xc3\xa9)").items()[0].str(), "caf\xc3\xa9");
}

TEST(Sexpr, ErrorsNamePositions) {
    EXPECT_EQ(parse_error(")"), "line 1, column 1: unexpected ')'");
    EXPECT_EQ(parse_error("(a\n  (b c)"),
              "line 2, column 8: unexpected end of input in the list opened at line 1, column 1");
    EXPECT_EQ(parse_error("(a 'bc"),
              "line 1, column 7: unexpected end of input in the string opened at line 1, column 4");
    EXPECT_EQ(parse_error("(a 'b\\"), "line 1, column 7: unexpected end of input after a backslash");
    EXPECT_EQ(parse_error("'\\xzz'"), "line 1, column 2: \\x escape without hex digits");
    EXPECT_EQ(parse_error("'\\777'"), "line 1, column 2: octal escape out of range (over \\377)");
    EXPECT_EQ(parse_error("(a \x01)"), "line 1, column 4: invalid character (code 1)");
    EXPECT_EQ(parse_error("(ab\x7f)"), "line 1, column 4: invalid character (code 127)");
    EXPECT_EQ(parse_error(std::string("(a\0)", 4)), "line 1, column 3: invalid character (code 0)");
}

TEST(Sexpr, ExactlyOne) {
    auto none = parse_sexpr(" # nothing\n");
    ASSERT_FALSE(none);
    EXPECT_EQ(none.error().message, "no S-expression in the input");
    auto two = parse_sexpr("(a) (b)");
    ASSERT_FALSE(two);
    EXPECT_EQ(two.error().message, "expected one S-expression, found 2");
}

TEST(Sexpr, LimitsAreEnforced) {
    SexprLimits small{.max_bytes = 16, .max_depth = 3, .max_nodes = 5};
    EXPECT_EQ(parse_error("(aaaaaaaaaaaaaaaaaaaa)", small),
              "S-expression text of 22 bytes is over the limit of 16 bytes");
    EXPECT_EQ(parse_error("((((a))))", small), "line 1, column 4: lists nested deeper than 3");
    EXPECT_TRUE(parse_sexprs("(((a)))", small));
    EXPECT_EQ(parse_error("(a b c d e)", small), "line 1, column 10: more than 5 values");

    // The default depth bound stops a deep nest long before the stack would.
    std::string deep(100000, '(');
    EXPECT_EQ(parse_error(deep), "line 1, column 65: lists nested deeper than 64");
}

TEST(Sexpr, CompactPrinterIsSxpShow) {
    Sexpr v = Sexpr::list({Sexpr::string("domain")});
    v.add("domid", Sexpr::integer(3))
        .add("bootloader", Sexpr::string(""))
        .add("args", Sexpr::string("root=/dev/xvda1 ro"))
        .add("label", Sexpr::string("it's"))
        .add("start_time", Sexpr::real(1221745032.5234))
        .add("weight", Sexpr::real(1.0))
        .add("path", Sexpr::string("/a-b_c.d:e~f"))
        .add("at", Sexpr::string("@"))
        .add("dollar", Sexpr::string("$x"));
    EXPECT_EQ(sexpr_to_string(v),
              "(domain (domid 3) (bootloader ) (args 'root=/dev/xvda1 ro') (label \"it's\") "
              "(start_time 1221745032.52) (weight 1.0) (path /a-b_c.d:e~f) (at @) (dollar '$x'))");
    EXPECT_EQ(sexpr_to_string(Sexpr::list()), "()");
}

TEST(Sexpr, CompactRoundTrip) {
    // Every string survives except the empty one, which sxp.show() prints
    // as nothing at all.
    Sexpr v = Sexpr::list({Sexpr::string("x"), Sexpr::string("a b\n\x01\xff"),
                           Sexpr::list({Sexpr::string("(y)"), Sexpr::string("#")})});
    EXPECT_EQ(parse_ok(sexpr_to_string(v)), v);
}

// XEND.md 2.5: `xm list --long web01`, the 3.3 layout at width 80.
constexpr std::string_view kWeb01Compact =
    "(domain (domid 3) (on_crash restart) (uuid 6f3c2a1e-94b7-4d0b-a2c5-1b8e07d5c9f4) "
    "(bootloader_args '') (vcpus 2) (name web01) (on_poweroff destroy) (on_reboot restart) "
    "(bootloader '') (maxmem 512) (memory 384) (shadow_memory 0) (features '') "
    "(on_xend_start ignore) (on_xend_stop ignore) (start_time 1221745032.52) "
    "(cpu_time 42.318007121) (online_vcpus 2) (image (linux (kernel "
    "/var/lib/xen/images/web01/vmlinuz) (ramdisk /var/lib/xen/images/web01/initrd.img) "
    "(args 'root=/dev/xvda1 ro console=hvc0') (notes (GUEST_OS linux) (XEN_VERSION xen-3.0) "
    "(PAE_MODE yes)))) (status 2) (state -b----) (store_mfn 1155073) (console_mfn 1155072) "
    "(device (vif (bridge xenbr0) (mac 00:16:3e:5a:1c:07) (script /etc/xen/scripts/vif-bridge) "
    "(uuid 0c8e5d52-7b1a-41f6-9e0a-3d7f2b8c4a11) (backend 0))) (device (vbd (protocol "
    "x86_64-abi) (uuid b2a7c9e0-5f41-4c38-8d16-7e3a9f0b2c5d) (dev xvda:disk) (uname "
    "phy:/dev/vg0/web01) (mode w) (backend 0) (bootable 1) (VDI ''))) (device (console "
    "(protocol vt100) (location 2) (uuid 9d41e6b3-2c70-4a85-b1f8-64c0e2d7a93e))))";

constexpr std::string_view kWeb01Pretty = R"((domain
    (domid 3)
    (on_crash restart)
    (uuid 6f3c2a1e-94b7-4d0b-a2c5-1b8e07d5c9f4)
    (bootloader_args )
    (vcpus 2)
    (name web01)
    (on_poweroff destroy)
    (on_reboot restart)
    (bootloader )
    (maxmem 512)
    (memory 384)
    (shadow_memory 0)
    (features )
    (on_xend_start ignore)
    (on_xend_stop ignore)
    (start_time 1221745032.52)
    (cpu_time 42.318007121)
    (online_vcpus 2)
    (image
        (linux
            (kernel /var/lib/xen/images/web01/vmlinuz)
            (ramdisk /var/lib/xen/images/web01/initrd.img)
            (args 'root=/dev/xvda1 ro console=hvc0')
            (notes (GUEST_OS linux) (XEN_VERSION xen-3.0) (PAE_MODE yes))
        )
    )
    (status 2)
    (state -b----)
    (store_mfn 1155073)
    (console_mfn 1155072)
    (device
        (vif
            (bridge xenbr0)
            (mac 00:16:3e:5a:1c:07)
            (script /etc/xen/scripts/vif-bridge)
            (uuid 0c8e5d52-7b1a-41f6-9e0a-3d7f2b8c4a11)
            (backend 0)
        )
    )
    (device
        (vbd
            (protocol x86_64-abi)
            (uuid b2a7c9e0-5f41-4c38-8d16-7e3a9f0b2c5d)
            (dev xvda:disk)
            (uname phy:/dev/vg0/web01)
            (mode w)
            (backend 0)
            (bootable 1)
            (VDI )
        )
    )
    (device
        (console
            (protocol vt100)
            (location 2)
            (uuid 9d41e6b3-2c70-4a85-b1f8-64c0e2d7a93e)
        )
    )
)
)";

TEST(Sexpr, PrettyPrinterMatchesXmListLong) {
    EXPECT_EQ(sexpr_pretty(parse_ok(kWeb01Compact)), kWeb01Pretty);
}

TEST(Sexpr, PrettyPrinterFitsExactlyToTheWidth) {
    // 10 columns: "(a bb ccc)" is exactly 10 wide and stays flat; one more
    // character breaks it.
    EXPECT_EQ(sexpr_pretty(parse_ok("(a bb ccc)"), 10), "(a bb ccc)\n");
    EXPECT_EQ(sexpr_pretty(parse_ok("(a bb cccc)"), 10), "(a\n    bb\n    cccc\n)\n");
    // The first element of a broken list stays on the "(" line, a list in
    // first place included.
    EXPECT_EQ(sexpr_pretty(parse_ok("((x y) zzzzzz)"), 10), "((x y)\n    zzzzzz\n)\n");
    EXPECT_EQ(sexpr_pretty(Sexpr::string("atom")), "atom\n");
    EXPECT_EQ(sexpr_pretty(Sexpr::list()), "()\n");
}

TEST(Sexpr, NumbersFromTextAndValues) {
    Sexpr v = parse_ok("(d (a -12) (b +7) (c 1.5) (e 12x) (f 99999999999999999999))");
    EXPECT_EQ(v.value_int("a"), -12);
    EXPECT_EQ(v.value_int("b"), 7);
    EXPECT_EQ(v.value_int("c"), std::nullopt);
    EXPECT_EQ(v.child_value("c")->as_double(), 1.5);
    EXPECT_EQ(v.value_int("e"), std::nullopt);
    EXPECT_EQ(v.value_int("f"), std::nullopt);
    EXPECT_EQ(Sexpr::integer(5).text(), "5");
    EXPECT_EQ(Sexpr::real(42.5).text(), "42.5");
    EXPECT_EQ(Sexpr::list().text(), std::nullopt);
}

TEST(Sexpr, ChildrenFindsEveryMatch) {
    Sexpr v = parse_ok("(domain (device (vif)) (name x) (device (vbd)) device)");
    auto devices = v.children("device");
    ASSERT_EQ(devices.size(), 2u);
    EXPECT_EQ(devices[1]->items()[1].name(), "vbd");
    // The head itself is not a child, even when it has the name looked for.
    EXPECT_EQ(parse_ok("(name (x 1))").child("name"), nullptr);
}

}  // namespace
}  // namespace xvm::rpc
