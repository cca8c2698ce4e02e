# add_testhost_test(NAME <name> COMMAND <cmd...> [KERNEL ours|upstream]
#                   [LABELS ...] [TIMEOUT s] [OUT dir] [RUNNER_ARGS ...]
#                   [HOST_CHECK <script> <args...>] [FIXTURES_SETUP ...]
#                   [ALLOW_WARNINGS <regex>...])
# A CTest test that runs <cmd...> on the POWER test host through
# ci/testhost-run (emulated here, native on a POWER host). Results land in
# ${PREREG_RESULTS_DIR}/<OUT> (default: NAME without its label prefix).
# HOST_CHECK wraps the runner in a host-side script that checks what came
# back (it gets the runner command as its trailing arguments, and
# PREREG_TEST_OUT / PREREG_KERNEL_DIR in its environment).
# The runner fails a test whose kernels (L1, and L2 guests whose console
# logs it leaves in its output) log a warning, BUG, oops, lockdep report,
# RCU stall or lockup, unless ci/testhost/known-warnings or the test's
# ALLOW_WARNINGS allow that line.
# The one place that knows how a test reaches the test host.
set(PREREG_RUNNER "${CMAKE_SOURCE_DIR}/ci/testhost-run")
# On a real POWER host (native runs) the tests touch only the devices named
# here; the runner refuses to run natively without PREREG_DEVICE.
set(PREREG_DEVICE "" CACHE STRING "native runs: PCI address of the NVMe the tests may take")
set(PREREG_NIC "" CACHE STRING "native runs: PCI address of the NIC the network tests may pass through")
set(PREREG_PEER_NIC "" CACHE STRING "native runs: interface the network peer may move into its namespace")
set(PREREG_DEVICE_ARGS)
foreach(v DEVICE NIC PEER_NIC)
  if(PREREG_${v})
    string(TOLOWER "--${v}" opt)
    string(REPLACE "_" "-" opt "${opt}")
    list(APPEND PREREG_DEVICE_ARGS ${opt} ${PREREG_${v}})
  endif()
endforeach()

function(add_testhost_test)
  cmake_parse_arguments(T "" "NAME;KERNEL;TIMEOUT;OUT"
    "COMMAND;LABELS;RUNNER_ARGS;FIXTURES_SETUP;HOST_CHECK;ALLOW_WARNINGS" ${ARGN})
  if(NOT T_KERNEL)
    set(T_KERNEL ours)
  endif()
  if(NOT T_TIMEOUT)
    set(T_TIMEOUT 900)
  endif()
  if(NOT T_OUT)
    string(REGEX REPLACE "^[a-z]+\\." "" T_OUT "${T_NAME}")
  endif()
  # The runner gives up first, so its diagnosis (console tail) is printed
  # instead of CTest killing it silently.
  math(EXPR runner_timeout "${T_TIMEOUT} - 30")
  # Kernel warnings the test provokes on purpose; any other fails it
  set(allow_args)
  foreach(w IN LISTS T_ALLOW_WARNINGS)
    list(APPEND allow_args --allow-warning ${w})
  endforeach()
  set(kdir ${CMAKE_BINARY_DIR}/kernel-${T_KERNEL})
  set(out ${PREREG_RESULTS_DIR}/${T_OUT})
  add_test(NAME ${T_NAME}
    COMMAND ${T_HOST_CHECK} ${PREREG_RUNNER}
      --kernel ${kdir} --rootfs ${CMAKE_BINARY_DIR}/rootfs
      --bin ${PREREG_TESTHOST_BIN} --mem ${PREREG_TESTHOST_MEM}
      --out ${out} --timeout ${runner_timeout} ${PREREG_DEVICE_ARGS}
      ${T_RUNNER_ARGS} ${allow_args}
      -- ${T_COMMAND})
  set(required suite kernel_${T_KERNEL} rootfs)
  # Every test-host test needs a host that boots, except the test that shows it.
  if(NOT "testhost_${T_KERNEL}" IN_LIST T_FIXTURES_SETUP)
    list(APPEND required testhost_${T_KERNEL})
  endif()
  set_tests_properties(${T_NAME} PROPERTIES
    LABELS "${T_LABELS}" TIMEOUT ${T_TIMEOUT} RUN_SERIAL ON
    FIXTURES_REQUIRED "${required}" FIXTURES_SETUP "${T_FIXTURES_SETUP}"
    ENVIRONMENT "PREREG_TEST_OUT=${out};PREREG_KERNEL_DIR=${kdir}")
endfunction()
