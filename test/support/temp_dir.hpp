#pragma once
// A private directory under /tmp for one test, removed with everything in it when the test ends.
#include <string>

namespace coupon::test {

class TempDir {
public:
    TempDir();
    ~TempDir();
    TempDir(const TempDir&) = delete;
    TempDir& operator=(const TempDir&) = delete;
    const std::string& path() const { return path_; }

private:
    std::string path_;
};

}  // namespace coupon::test
