// Python 2 text conventions that xend's wire formats inherited, shared by
// the S-expression printer and the XML-RPC string quirk (XEND.md 1.1, 2.5):
//
//   python_repr("it's")      -> "\"it's\""   repr() of a byte string
//   python_repr_body("a\nb") -> "a\\nb"      the same without the quotes:
//                                            what xend sends for a string
//                                            result (xmlrpclib2.py)
//   python_unescape(body)    -> bytes        what xm's conv_string() makes
//                                            of it again
//   python_float_str(1.5)    -> "1.5"        str() of a float: 12
//                                            significant digits
//
// Everything here works on bytes, as Python 2's str did; nothing assumes
// UTF-8.
#pragma once

#include <string>
#include <string_view>

#include "lib/base/result.h"

namespace xvm::rpc {

// repr(s) of a Python 2 str: single quotes unless s holds a single quote
// and no double quote; backslash and the chosen quote escaped; \t \n \r by
// name; other bytes below 0x20 and from 0x7f up as \xhh.
std::string python_repr(std::string_view s);

// python_repr(s) without its enclosing quotes.
std::string python_repr_body(std::string_view s);

// Decodes a Python string literal's body as conv_string() did (it wrapped
// the text in single quotes after turning every ' into \047): \\ \' \" \a
// \b \f \n \r \t \v, \ooo (1-3 octal digits), \xhh (exactly two hex
// digits), backslash-newline dropped, any other backslash kept as is.
// Fails on a \x without two hex digits and on a trailing lone backslash,
// as Python does.
Result<std::string> python_unescape(std::string_view body);

// str(f) of a Python 2 float: "%.12g", with ".0" appended when the result
// looks like an integer; "inf", "-inf", "nan".
std::string python_float_str(double f);

}  // namespace xvm::rpc
