// svcs's table (illumos svcs.c's columns[] and list_instance()).
#pragma once

#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "cmd/svcs/svcs.h"

namespace xvm::svcs {

struct ListOptions;

struct Column {
    const char* name;
    int width;  // the header's width; a line's field is as sprint_*() makes it
    void (*sprint)(std::string& line, const Inst& i, const ListOptions& o);
    void (*sortkey)(std::string& key, bool reverse, const Inst& i);
};

struct SortKey {
    const Column* column;
    bool reverse;
};

struct ListOptions {
    std::vector<const Column*> columns;
    std::vector<SortKey> sort;
    bool nstate_shown = false;  // N, SN, NSTA or NSTATE is shown: no '*' markers
    bool processes = false;
};

struct Line {
    std::string key;   // the sort keys, compared as bytes (memcmp)
    std::string text;  // the line, with -p's process lines
};

std::span<const Column> columns();
// Case-insensitive, as getcolumnopt() and add_sort_column() match.
const Column* find_column(std::string_view name);
std::string header_line(const ListOptions& o);
Line make_line(const Inst& i, const ListOptions& o);

}  // namespace xvm::svcs
