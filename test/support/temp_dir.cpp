#include "temp_dir.hpp"

#include <stdlib.h>

#include <filesystem>
#include <stdexcept>

namespace coupon::test {

TempDir::TempDir() {
    // Short: PostgreSQL's unix socket path and SQLite's file live under it.
    std::string pattern = "/tmp/coupon-test.XXXXXX";
    if (::mkdtemp(pattern.data()) == nullptr) throw std::runtime_error("mkdtemp failed");
    path_ = pattern;
}

TempDir::~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
}

}  // namespace coupon::test
