#include "admin_token_bootstrap.hpp"

#include <fcntl.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <stdexcept>

#include "coupon/base/log.hpp"

namespace coupon::app {
namespace {

std::string random_hex(std::size_t bytes) {
    std::array<unsigned char, 64> buffer{};
    if (bytes > buffer.size()) throw std::logic_error("random_hex: too many bytes");
    std::size_t got = 0;
    while (got < bytes) {
        const ssize_t n = ::getrandom(buffer.data() + got, bytes - got, 0);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) throw std::runtime_error(std::string("cannot read random bytes: ") + std::strerror(errno));
        got += static_cast<std::size_t>(n);
    }
    static constexpr char kHex[] = "0123456789abcdef";
    std::string out;
    out.reserve(bytes * 2);
    for (std::size_t i = 0; i < bytes; ++i) {
        out += kHex[buffer[i] >> 4];
        out += kHex[buffer[i] & 0xf];
    }
    return out;
}

[[noreturn]] void fail(const std::string& what, const std::string& path) {
    throw std::runtime_error("admin token: cannot " + what + " " + path + ": " + std::strerror(errno));
}

// Written to a fresh temporary file created 0600 (never readable by others, whatever the umask), then
// renamed over the target, so a reader sees the old token or the new one, never half of one.
void write_private_file(const std::string& path, const std::string& text) {
    const std::string temporary = path + ".tmp";
    ::unlink(temporary.c_str());
    const int fd = ::open(temporary.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600);
    if (fd < 0) fail("create", temporary);
    std::size_t written = 0;
    while (written < text.size()) {
        const ssize_t n = ::write(fd, text.data() + written, text.size() - written);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) {
            ::close(fd);
            fail("write", temporary);
        }
        written += static_cast<std::size_t>(n);
    }
    if (::fchmod(fd, 0600) != 0 || ::fsync(fd) != 0) {
        ::close(fd);
        fail("finish", temporary);
    }
    if (::close(fd) != 0) fail("close", temporary);
    if (::rename(temporary.c_str(), path.c_str()) != 0) fail("rename to", path);
}

}  // namespace

std::string generated_token_path(const Config& config) { return config.server.data_dir + "/admin_token"; }

bool wants_generated_admin_token(const Config& config) {
    // admin.token_file was read into http.admin_token by the loader: empty means no token from any source.
    return config.kafka.bootstrap_servers.empty() && config.http.admin_token.empty();
}

void bootstrap_admin_token(Config& config) {
    if (!wants_generated_admin_token(config)) return;
    std::error_code ec;
    std::filesystem::create_directories(config.server.data_dir, ec);
    if (ec) throw std::runtime_error("admin token: cannot create " + config.server.data_dir + ": " + ec.message());
    const std::string path = generated_token_path(config);
    const std::string token = random_hex(32);
    write_private_file(path, token + "\n");
    config.http.admin_token = token;
    // The path only: a log line is read by more people than the token is meant for.
    log::warn("app",
              "no admin token configured on the embedded default: generated one for this run in {} (mode 0600; "
              "send it as 'Authorization: Bearer <token>'; set admin.token or COUPON_ADMIN_TOKEN to choose your own)",
              path);
}

}  // namespace coupon::app
