#pragma once
// The fuzz targets' assertion: reports the broken promise and the offending input text, then aborts, which
// libFuzzer records as a crash (with the input saved). Kept in every build type, unlike assert().
#include <cstdio>
#include <cstdlib>
#include <string>

namespace coupon::fuzz {

[[noreturn]] inline void fail(const std::string& what, const std::string& detail) {
    std::fprintf(stderr, "fuzz finding: %s\n%s\n", what.c_str(), detail.c_str());
    std::abort();
}

}  // namespace coupon::fuzz
