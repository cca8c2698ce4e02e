# The expensive inputs of every test-host test, as CTest fixtures, so
# `ctest -L unit` builds none of them and `ctest -L bench` builds exactly what
# it needs. Each step script caches its output by content hash under
# ~/.cache/prereg (or $PREREG_CACHE), so a warm machine skips them in seconds.
set(PREREG_STEPS "${CMAKE_SOURCE_DIR}/cmake/steps")

# Marks the start of the suite (the report states the suite's runtime).
add_test(NAME fixture.suite-start COMMAND ${CMAKE_COMMAND} -E touch ${CMAKE_BINARY_DIR}/suite-start)
set_tests_properties(fixture.suite-start PROPERTIES FIXTURES_SETUP suite LABELS fixture)

# prereg_kernel_fixture(VARIANT): VARIANT is "ours" (kernel/series applied),
# "upstream" (the same Debian source and config, series not applied) or
# "ours-debug" (the series, a minimal config with lockdep, RCU and
# atomic-sleep checks, VM debugging and KFENCE: kernel/config-debug).
function(prereg_kernel_fixture variant)
  # The debug kernel is built only when a kernel-debug test asks for it
  set(labels fixture)
  if(variant STREQUAL "ours-debug")
    list(APPEND labels kernel-debug)
  endif()
  add_test(NAME fixture.kernel-${variant}
    COMMAND ${PREREG_STEPS}/fresh-link ${CMAKE_BINARY_DIR}/kernel-${variant}
            ${PREREG_STEPS}/build-kernel ${variant} ${CMAKE_BINARY_DIR}/kernel-${variant})
  set_tests_properties(fixture.kernel-${variant} PROPERTIES
    FIXTURES_SETUP kernel_${variant} FIXTURES_REQUIRED suite
    LABELS "${labels}" TIMEOUT 3000 RUN_SERIAL ON)
endfunction()
prereg_kernel_fixture(ours)
prereg_kernel_fixture(upstream)
# ours with the kernel's own checkers, for the kernel-debug tests only
prereg_kernel_fixture(ours-debug)

add_test(NAME fixture.rootfs COMMAND ${PREREG_STEPS}/fresh-link ${CMAKE_BINARY_DIR}/rootfs
  ${PREREG_STEPS}/build-rootfs ${CMAKE_BINARY_DIR}/rootfs)
set_tests_properties(fixture.rootfs PROPERTIES
  FIXTURES_SETUP rootfs FIXTURES_REQUIRED suite LABELS fixture TIMEOUT 2400 RUN_SERIAL ON)

# Our QEMU (qemu-patches/series on Debian's QEMU 10.0 source), cross-built;
# tests that use it put its bin/ on the test host's PATH as qemu-prereg.
add_test(NAME fixture.qemu-ours COMMAND ${PREREG_STEPS}/fresh-link ${CMAKE_BINARY_DIR}/qemu-ours
  ${PREREG_STEPS}/build-qemu ${CMAKE_BINARY_DIR}/qemu-ours)
set_tests_properties(fixture.qemu-ours PROPERTIES
  FIXTURES_SETUP qemu_ours FIXTURES_REQUIRED suite LABELS fixture TIMEOUT 3000 RUN_SERIAL ON)

# Our libvirt (libvirt-patches/series on Debian's libvirt 11.3 source),
# cross-built into a private prefix; tests that use it hand its bin/ to the
# test host, where libvirt-prereg-daemon starts it.
add_test(NAME fixture.libvirt-ours
  COMMAND ${PREREG_STEPS}/build-libvirt ppc64el ${CMAKE_BINARY_DIR}/libvirt-ours)
set_tests_properties(fixture.libvirt-ours PROPERTIES
  FIXTURES_SETUP libvirt_ours FIXTURES_REQUIRED suite LABELS fixture TIMEOUT 3000 RUN_SERIAL ON)
