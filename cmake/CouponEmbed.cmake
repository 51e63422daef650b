# Shared by the build-time embedding scripts (src/store/embed_sql.cmake, src/http/embed_text.cmake), which
# turn files into C++ raw strings so the server never looks for them at run time.

# Fails the build when `text` (from `origin`) would end the raw string R"<delim>(...)<delim>" early.
function(coupon_check_raw_string text delim origin)
  string(FIND "${text}" ")${delim}\"" clash)
  if(NOT clash EQUAL -1)
    message(FATAL_ERROR "${origin} contains the raw-string delimiter )${delim}\"")
  endif()
endfunction()

# Writes `content` to `out` only when it changed, so an untouched input does not recompile.
function(coupon_write_if_changed out content)
  if(EXISTS "${out}")
    file(READ "${out}" old)
    if(old STREQUAL content)
      return()
    endif()
  endif()
  file(WRITE "${out}" "${content}")
endfunction()
