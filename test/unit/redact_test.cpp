// Secrets inside settings never reach a message (src/base/redact.cpp and the configuration errors that
// quote a value). The http tier checks the server's whole log with such settings.
#include <catch2/catch.hpp>

#include <fstream>

#include "coupon/app/config.hpp"
#include "coupon/base/redact.hpp"
#include "temp_dir.hpp"

using namespace coupon;

TEST_CASE("a URL's password is hidden, also when it holds '/', ':' or '@'", "[unit][redact]") {
    CHECK(base::redact_url("postgresql://app:hunter2@db:5432/coupons") == "postgresql://app:***@db:5432/coupons");
    CHECK(base::redact_url("postgresql://app:s/cr:t@x@db/coupons?sslmode=require") ==
          "postgresql://app:***@db/coupons?sslmode=require");
    CHECK(base::redact_url("postgresql://db/coupons?user=app&password=p/w&sslmode=require") ==
          "postgresql://db/coupons?user=app&password=***&sslmode=require");
    CHECK(base::redact_url("http://hook:t0k3n@hooks.example:8080/dlt") == "http://hook:***@hooks.example:8080/dlt");
    CHECK(base::redact_url("postgresql://app@db/coupons") == "postgresql://app@db/coupons");  // no password
    CHECK(base::redact_url("sqlite:data/coupons.db") == "sqlite:data/coupons.db");
}

TEST_CASE("secret librdkafka properties are recognised by name", "[unit][redact]") {
    for (const char* name : {"sasl.password", "ssl.key.password", "sasl.oauthbearer.client.secret", "ssl.key.pem",
                             "ssl_key", "ssl.keystore.password", "sasl.jaas.config"}) {
        INFO(name);
        CHECK(base::is_secret_property(name));
        CHECK(base::shown_property_value(name, "s3cr3t") == "***");
    }
    for (const char* name : {"security.protocol", "sasl.mechanisms", "sasl.username", "acks", "linger.ms"}) {
        INFO(name);
        CHECK_FALSE(base::is_secret_property(name));
    }
}

TEST_CASE("configuration errors quote no password, property secret or webhook credential", "[unit][redact]") {
    const auto message_of = [](std::map<std::string, std::string> env) {
        try {
            (void)app::load_config("", env);
        } catch (const app::ConfigError& e) {
            return std::string(e.what());
        }
        return std::string("(no error)");
    };
    auto text = message_of({{"COUPON_DATABASE_URL", "mysql://app:pa/ss@db/x"}});
    CHECK(text.find("database.url") != std::string::npos);
    CHECK(text.find("pa/ss") == std::string::npos);
    text = message_of({{"COUPON_KAFKA_DEAD_LETTER_WEBHOOK", "ftp://hook:t0k3n@hooks.example/x"}});
    CHECK(text.find("webhook") != std::string::npos);
    CHECK(text.find("t0k3n") == std::string::npos);
    text = message_of({{"COUPON_KAFKA_PROPERTIES", "sasl.password s3cr3t"}});
    CHECK(text.find("kafka.properties") != std::string::npos);
    CHECK(text.find("s3cr3t") == std::string::npos);
    text = message_of({{"COUPON_ADMIN_TOKEN", "short-secret"}});
    CHECK(text.find("admin.token") != std::string::npos);
    CHECK(text.find("short-secret") == std::string::npos);
    text = message_of({{"COUPON_AUTH_MODE", "jwt"}, {"COUPON_AUTH_JWT_SECRET", "too-short-key"}});
    CHECK(text.find("auth.jwt.secret") != std::string::npos);
    CHECK(text.find("too-short-key") == std::string::npos);
}
