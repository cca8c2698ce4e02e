# The tools that run on the test host (bench/ and kernel/selftests/), built
# as one external project: cross-compiled to ppc64le on any other machine,
# natively on a POWER host. Installed into PREREG_TESTHOST_BIN, which the
# runner copies into the test host.
include(ExternalProject)

set(PREREG_TESTHOST_BIN "${CMAKE_BINARY_DIR}/testhost-tools/bin")
set(_tools_args -DCMAKE_INSTALL_PREFIX=${CMAKE_BINARY_DIR}/testhost-tools
                -DCMAKE_BUILD_TYPE=Release)
if(NOT CMAKE_SYSTEM_PROCESSOR MATCHES "^(ppc64le|powerpc64le)$")
  find_program(PREREG_CROSS_CC powerpc64le-linux-gnu-gcc REQUIRED)
  list(APPEND _tools_args -DCMAKE_TOOLCHAIN_FILE=${CMAKE_SOURCE_DIR}/cmake/toolchain-ppc64le.cmake)
endif()

# kernel/selftests are kselftest_harness programs: the framework's headers
# come from the pinned kernel source (downloaded once, cached).
set(PREREG_KSELFTEST_INCLUDE "${CMAKE_BINARY_DIR}/kselftest-include")
add_custom_target(kselftest-headers
  COMMAND ${CMAKE_SOURCE_DIR}/cmake/steps/kselftest-headers ${PREREG_KSELFTEST_INCLUDE}
  COMMENT "kselftest headers from the pinned kernel source"
  VERBATIM)
list(APPEND _tools_args -DPREREG_KSELFTEST_INCLUDE=${PREREG_KSELFTEST_INCLUDE})

ExternalProject_Add(testhost-tools
  SOURCE_DIR "${CMAKE_SOURCE_DIR}/cmake/testhost-tools"
  BINARY_DIR "${CMAKE_BINARY_DIR}/testhost-tools-build"
  DEPENDS kselftest-headers
  CMAKE_ARGS ${_tools_args}
  BUILD_ALWAYS ON
  INSTALL_DIR "${CMAKE_BINARY_DIR}/testhost-tools")
