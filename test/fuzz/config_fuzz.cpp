// scripts/fuzz: -max_len=4096
// The configuration as load_config() reads it (config.cpp, config_binder.cpp): YAML text, then COUPON_*
// environment overrides, binding, unknown-key rejection and validation, without the real file system or
// process environment. Input: the YAML text, then optionally RS (0x1e) and NAME=value lines (the variables;
// a name without COUPON_ is prefixed with it, as only those reach the loader). The promise checked: a bad
// configuration is refused with a ConfigError (a clear message naming the key), never another exception.
#include <cstddef>
#include <cstdint>
#include <exception>
#include <map>
#include <string>
#include <string_view>

#include "config_binder.hpp"
#include "fuzz_check.hpp"

namespace {

std::map<std::string, std::string> environment_of(std::string_view text) {
    std::map<std::string, std::string> env;
    while (!text.empty()) {
        const auto cut = text.find('\n');
        const std::string_view line = text.substr(0, cut);
        text = cut == std::string_view::npos ? std::string_view{} : text.substr(cut + 1);
        const auto eq = line.find('=');
        if (eq == std::string_view::npos) continue;
        std::string name(line.substr(0, eq));
        if (!name.starts_with("COUPON_")) name = "COUPON_" + name;
        env.emplace(std::move(name), std::string(line.substr(eq + 1)));
    }
    return env;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    using namespace coupon::app;
    const std::string_view input(reinterpret_cast<const char*>(data), size);
    const auto split = input.find('\x1e');
    const std::string yaml_text(input.substr(0, split));
    auto env = environment_of(split == std::string_view::npos ? std::string_view{} : input.substr(split + 1));
    try {
        FlatYaml yaml = read_yaml_text(yaml_text, "fuzz.yaml");
        // admin.token_file makes the loader read a file: the fuzzer gets no say over the file system.
        yaml.scalars.erase("admin.token_file");
        env.erase(env_name_of("admin.token_file"));
        const Config config = load_config(yaml, env);
        if (config.database.url.empty()) coupon::fuzz::fail("no database url after validation", yaml_text);
    } catch (const ConfigError& e) {
        if (std::string_view(e.what()).empty()) coupon::fuzz::fail("a ConfigError without a message", yaml_text);
    } catch (const std::exception& e) {
        coupon::fuzz::fail(std::string("not a ConfigError: ") + e.what(), yaml_text);
    }
    return 0;
}
