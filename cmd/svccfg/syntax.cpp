// svccfg's word lexer and setprop grammar. The command line is re-lexed
// from the joined arguments, as illumos svccfg does, so quoting works the
// same from a shell, a command file or standard input.
#include "cmd/svccfg/syntax.h"

#include "lib/base/format.h"

namespace xvm::svccfg {

Result<std::vector<Word>> lex(std::string_view line) {
    std::vector<Word> words;
    std::size_t i = 0;
    while (i < line.size()) {
        char c = line[i];
        if (c == ' ' || c == '\t' || c == '\n') { ++i; continue; }
        if (c == '(' || c == ')') {
            words.push_back(Word{std::string(1, c), false});
            ++i;
            continue;
        }
        Word w;
        if (c == '"') {
            w.quoted = true;
            for (++i;; ++i) {
                if (i >= line.size()) return make_error("unterminated quoted string");
                if (line[i] == '"') { ++i; break; }
                if (line[i] == '\\' && i + 1 < line.size()) ++i;
                w.text += line[i];
            }
        } else {
            while (i < line.size() && line[i] != ' ' && line[i] != '\t' && line[i] != '\n' &&
                   line[i] != '(' && line[i] != ')' && line[i] != '"')
                w.text += line[i++];
        }
        words.push_back(std::move(w));
    }
    return words;
}

Result<SetpropArgs> parse_setprop(std::string_view line) {
    auto words = lex(line);
    if (!words) return std::move(words).error();
    auto& w = *words;
    auto usage = [](std::string_view why) {
        return make_error(cat("setprop: ", why, " (usage: setprop pg/name = [type:] value)"));
    };
    if (w.size() < 3 || w[1].text != "=" || w[1].quoted) return usage("syntax error");
    SetpropArgs out;
    auto slash = w[0].text.find('/');
    if (slash == std::string::npos) return usage(cat("\"", w[0].text, "\" is not pg/name"));
    out.pg = w[0].text.substr(0, slash);
    out.prop = w[0].text.substr(slash + 1);
    if (auto st = smf::check_name("property group", out.pg); !st) return std::move(st).error();
    if (auto st = smf::check_name("property", out.prop); !st) return std::move(st).error();
    std::size_t i = 2;
    if (!w[i].quoted && w[i].text.size() > 1 && w[i].text.back() == ':') {
        std::string tname = w[i].text.substr(0, w[i].text.size() - 1);
        auto type = smf::type_from_name(tname);
        if (!type) return make_error(cat("setprop: unknown type \"", tname, "\""));
        out.type = type;
        ++i;
    }
    if (i >= w.size()) return usage("missing value");
    if (!w[i].quoted && w[i].text == "(") {
        for (++i; i < w.size() && !(w[i].text == ")" && !w[i].quoted); ++i) {
            if (!w[i].quoted && w[i].text == "(") return usage("nested '('");
            out.values.push_back(w[i].text);
        }
        if (i >= w.size()) return usage("missing ')'");
        ++i;
    } else {
        if (!w[i].quoted && w[i].text == ")") return usage("unexpected ')'");
        out.values.push_back(w[i].text);
        ++i;
    }
    if (i != w.size())
        return usage("more than one value: put several values in parentheses");
    return out;
}

std::string quote_if_needed(std::string_view v) {
    if (!v.empty() && v.find_first_of(" \t\n\"\\") == std::string_view::npos) return std::string(v);
    std::string out = "\"";
    for (char c : v) {
        if (c == '"' || c == '\\') out += '\\';
        out += c;
    }
    return out + "\"";
}

}  // namespace xvm::svccfg
