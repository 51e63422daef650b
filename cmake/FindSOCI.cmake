# Debian's libsoci-dev 4.0.3 ships headers and libsoci_*.so only: no SOCIConfig.cmake and no .pc file.
# Defines SOCI::core and SOCI::<backend> imported targets.
find_path(SOCI_INCLUDE_DIR soci/soci.h)
find_library(SOCI_core_LIBRARY NAMES soci_core)
foreach(_c IN LISTS SOCI_FIND_COMPONENTS)
  find_library(SOCI_${_c}_LIBRARY NAMES soci_${_c})
  if(SOCI_${_c}_LIBRARY)
    set(SOCI_${_c}_FOUND TRUE)
  endif()
endforeach()
include(FindPackageHandleStandardArgs)
find_package_handle_standard_args(SOCI REQUIRED_VARS SOCI_INCLUDE_DIR SOCI_core_LIBRARY HANDLE_COMPONENTS)
if(SOCI_FOUND AND NOT TARGET SOCI::core)
  # soci-config.h has SOCI_HAVE_BOOST, so soci.h includes Boost headers that libsoci-dev does not depend on.
  add_library(SOCI::core UNKNOWN IMPORTED)
  set_target_properties(SOCI::core PROPERTIES
    IMPORTED_LOCATION "${SOCI_core_LIBRARY}"
    INTERFACE_INCLUDE_DIRECTORIES "${SOCI_INCLUDE_DIR}"
    INTERFACE_LINK_LIBRARIES "Boost::headers;${CMAKE_DL_LIBS}")
  foreach(_c IN LISTS SOCI_FIND_COMPONENTS)
    if(SOCI_${_c}_FOUND AND NOT TARGET SOCI::${_c})
      add_library(SOCI::${_c} UNKNOWN IMPORTED)
      set(_deps SOCI::core)
      if(_c STREQUAL "postgresql")  # soci-postgresql.h includes <libpq-fe.h> from /usr/include/postgresql
        find_package(PostgreSQL REQUIRED)
        list(APPEND _deps PostgreSQL::PostgreSQL)
      elseif(_c STREQUAL "sqlite3")
        find_package(SQLite3 REQUIRED)
        list(APPEND _deps SQLite::SQLite3)
      endif()
      set_target_properties(SOCI::${_c} PROPERTIES
        IMPORTED_LOCATION "${SOCI_${_c}_LIBRARY}"
        INTERFACE_LINK_LIBRARIES "${_deps}")
    endif()
  endforeach()
endif()
mark_as_advanced(SOCI_INCLUDE_DIR SOCI_core_LIBRARY)
