# One warnings and sanitizer setup shared by every target of the project.
function(coupon_target_setup target)
  # Every coupon_<name> library is also coupon::<name>: linking by the alias fails at configure time on a
  # misspelt name instead of silently linking a plain "-lcoupon_nam".
  get_target_property(type ${target} TYPE)
  if(type STREQUAL "STATIC_LIBRARY" AND target MATCHES "^coupon_(.+)$")
    add_library(coupon::${CMAKE_MATCH_1} ALIAS ${target})
  endif()
  target_compile_options(${target} PRIVATE -Wall -Wextra -Wpedantic)
  # GCC 12 reports false -Wrestrict positives inside std::string (GCC bug 105329).
  if(CMAKE_CXX_COMPILER_ID STREQUAL "GNU")
    target_compile_options(${target} PRIVATE -Wno-restrict)
  endif()
  if(COUPON_WERROR)
    target_compile_options(${target} PRIVATE -Werror)
  endif()
  if(COUPON_SANITIZE STREQUAL "address")
    # vptr is left out: Debian's SOCI libraries hide their classes' typeinfo, so the vptr checks cannot link.
    # A UB report stops the test like a crash instead of scrolling past.
    target_compile_options(${target} PRIVATE -fsanitize=address,undefined -fno-sanitize=vptr
                                             -fno-sanitize-recover=undefined -fno-omit-frame-pointer)
    target_link_options(${target} PRIVATE -fsanitize=address,undefined -fno-sanitize=vptr)
  elseif(COUPON_SANITIZE STREQUAL "thread")
    target_compile_options(${target} PRIVATE -fsanitize=thread)
    target_link_options(${target} PRIVATE -fsanitize=thread)
    # librdkafka's C11 threads, routed through the pthread calls TSan sees (test/sanitizers/tsan_c11_threads.cpp).
    get_target_property(type ${target} TYPE)
    if(type STREQUAL "EXECUTABLE")
      target_sources(${target} PRIVATE ${PROJECT_SOURCE_DIR}/test/sanitizers/tsan_c11_threads.cpp)
    endif()
  endif()
endfunction()
