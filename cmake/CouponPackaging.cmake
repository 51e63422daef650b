# Install layout (`cmake --install`, prefix /usr/local by default) and the Debian package (`cpack -G DEB`,
# prefix /usr; scripts/package). docs/packaging.md describes both.
include(GNUInstallDirs)

install(TARGETS coupon-server RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})
install(DIRECTORY sql/ DESTINATION ${CMAKE_INSTALL_DATADIR}/coupon-server/sql)
# Absolute on purpose: the server's documented configuration path, whatever the prefix. A conffile in the
# package (packaging/deb/conffiles), so upgrades keep an operator's edits.
install(FILES conf/coupon-server.yaml DESTINATION /etc/coupon-server)
install(FILES README.md docs/packaging.md packaging/deb/copyright DESTINATION ${CMAKE_INSTALL_DOCDIR})

set(COUPON_PACKAGE_MAINTAINER "coupon-server maintainers <maintainers@users.noreply.b-seed-4be52a1d.example>"
    CACHE STRING "Maintainer field of the .deb and its changelog")
# What Debian expects beside a binary: a manual page and a changelog, compressed with gzip -9n (no name, no
# time stamp in the header). Made at configure time; the changelog's date honours SOURCE_DATE_EPOCH.
string(TIMESTAMP coupon_changelog_date "%a, %d %b %Y %H:%M:%S +0000" UTC)
configure_file(packaging/deb/changelog.in ${PROJECT_BINARY_DIR}/packaging/changelog.Debian @ONLY)
set_property(DIRECTORY APPEND PROPERTY CMAKE_CONFIGURE_DEPENDS ${PROJECT_SOURCE_DIR}/packaging/deb/coupon-server.1)
foreach(pair "packaging/deb/coupon-server.1;coupon-server.1.gz"
             "${PROJECT_BINARY_DIR}/packaging/changelog.Debian;changelog.Debian.gz")
  list(GET pair 0 in)
  list(GET pair 1 out)
  execute_process(COMMAND gzip -9nc ${in} WORKING_DIRECTORY ${PROJECT_SOURCE_DIR}
                  OUTPUT_FILE ${PROJECT_BINARY_DIR}/packaging/${out} COMMAND_ERROR_IS_FATAL ANY)
endforeach()
install(FILES ${PROJECT_BINARY_DIR}/packaging/coupon-server.1.gz DESTINATION ${CMAKE_INSTALL_MANDIR}/man1)
install(FILES ${PROJECT_BINARY_DIR}/packaging/changelog.Debian.gz DESTINATION ${CMAKE_INSTALL_DOCDIR})
install(FILES packaging/deb/lintian-overrides DESTINATION ${CMAKE_INSTALL_DATADIR}/lintian/overrides
        RENAME coupon-server)

# Full RELRO (the GOT read-only after start-up: Debian's hardening default for packaged binaries; lintian's
# hardening-no-bindnow). Every symbol is bound at start, which costs the server nothing measurable.
target_link_options(coupon-server PRIVATE LINKER:-z,relro,-z,now)

# The unit names the binary by absolute path, which depends on the prefix the install runs with (cpack's
# /usr or cmake --install's /usr/local or --prefix), known only at install time: conf/coupon-server.service
# is written for /usr (what the package and systemd-analyze see) and rewritten here for any other prefix.
# systemd reads units from both /usr/lib/systemd/system and /usr/local/lib/systemd/system.
install(CODE "set(coupon_unit_in \"${PROJECT_SOURCE_DIR}/conf/coupon-server.service\")
set(coupon_unit_out \"${PROJECT_BINARY_DIR}/packaging/coupon-server.service\")
set(coupon_bindir \"${CMAKE_INSTALL_BINDIR}\")
set(coupon_docdir \"${CMAKE_INSTALL_DOCDIR}\")")
install(CODE [[
  file(READ "${coupon_unit_in}" coupon_unit)
  string(REPLACE "ExecStart=/usr/bin/coupon-server "
                 "ExecStart=${CMAKE_INSTALL_PREFIX}/${coupon_bindir}/coupon-server " coupon_unit "${coupon_unit}")
  string(REPLACE "Documentation=file:/usr/share/doc/coupon-server/"
                 "Documentation=file:${CMAKE_INSTALL_PREFIX}/${coupon_docdir}/" coupon_unit "${coupon_unit}")
  file(WRITE "${coupon_unit_out}" "${coupon_unit}")
  file(INSTALL "${coupon_unit_out}" DESTINATION "${CMAKE_INSTALL_PREFIX}/lib/systemd/system"
       PERMISSIONS OWNER_READ OWNER_WRITE GROUP_READ WORLD_READ)
]])

# The .deb: scripts/package builds it; scripts/check-package checks it (CI).
set(CPACK_GENERATOR DEB)
set(CPACK_PACKAGE_NAME coupon-server)
set(CPACK_PACKAGE_VERSION ${PROJECT_VERSION})
set(CPACK_PACKAGE_CONTACT "${COUPON_PACKAGE_MAINTAINER}")
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY "first-come-first-served coupon issuing over Kafka")
# The summary is the Description's first line; this is the rest.
set(CPACK_DEBIAN_PACKAGE_DESCRIPTION "coupon-server issues a limited stock of coupons to the first users who ask, one
per user, as one process per node: HTTP requests are stored in Kafka, consumer
threads apply the issuing rules in database transactions (PostgreSQL or
SQLite), and the outcome goes back to the waiting request. This package holds
the server, its systemd unit (not enabled on install), its configuration in
/etc/coupon-server and the SQL migrations (also compiled into the binary).")
set(CPACK_DEBIAN_PACKAGE_SECTION net)
set(CPACK_DEBIAN_PACKAGE_PRIORITY optional)
set(CPACK_DEBIAN_PACKAGE_RELEASE 1)
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
# Depends from the binary's shared libraries (dpkg-shlibdeps, from dpkg-dev).
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
set(CPACK_DEBIAN_PACKAGE_CONTROL_EXTRA
    ${PROJECT_SOURCE_DIR}/packaging/deb/conffiles
    ${PROJECT_SOURCE_DIR}/packaging/deb/postinst
    ${PROJECT_SOURCE_DIR}/packaging/deb/prerm
    ${PROJECT_SOURCE_DIR}/packaging/deb/postrm)
set(CPACK_DEBIAN_PACKAGE_CONTROL_STRICT_PERMISSION ON)
# DESTDIR staging, so the absolute /etc destination lands in the package, never on the machine that builds
# it; with DESTDIR, cpack installs with CPACK_INSTALL_PREFIX (not CPACK_PACKAGING_INSTALL_PREFIX).
set(CPACK_SET_DESTDIR ON)
set(CPACK_INSTALL_PREFIX /usr)
set(CPACK_PACKAGING_INSTALL_PREFIX /usr)
# A stripped binary (the symbols stay in the build tree); the tests' RelWithDebInfo binary can be packaged too.
set(CPACK_STRIP_FILES ON)
include(CPack)
