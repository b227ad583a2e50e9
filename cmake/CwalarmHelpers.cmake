# Helpers that keep folder CMakeLists.txt files one-to-one with BUILD.bazel.
#
#   Bazel                                  CMake
#   cc_library(name = "x")                 cwalarm_cc_library(NAME x ...)   -> cwalarm_x, cwalarm::x
#   cc_test(name = "x_test")               cwalarm_cc_test(NAME x_test ...) -> x_test + ctest cases
#   cc_binary(name = "x")                  cwalarm_cc_binary(NAME x ...)    -> x
#   cc_binary(name = "x_benchmark", tags = ["benchmark"], testonly = True)
#                                          cwalarm_cc_benchmark(NAME x_benchmark ...)
#   cc_system_proto_library(name = "x", src = "f.proto")
#                                          cwalarm_cc_proto(NAME x PROTO f.proto) -> cwalarm_x
#
# Arguments: SRCS and HDRS list files relative to the current folder; DEPS are
# CMake targets (cwalarm::datapoint, absl::statusor, GTest::gmock, ...);
# DATA (tests) is accepted for symmetry with Bazel's `data` and ignored, since
# tests run with the repository root as working directory.
include_guard(GLOBAL)

# cwalarm_cc_library(NAME x SRCS a.cc HDRS a.h DEPS ... [TESTONLY])
# A library without .cc sources is an INTERFACE (header-only) library.
function(cwalarm_cc_library)
  cmake_parse_arguments(CC "TESTONLY" "NAME" "SRCS;HDRS;DEPS" ${ARGN})
  if(NOT CC_NAME)
    message(FATAL_ERROR "cwalarm_cc_library: NAME is required")
  endif()
  if(CC_TESTONLY AND NOT CWALARM_BUILD_TESTS)
    return()
  endif()
  set(_target cwalarm_${CC_NAME})
  set(_has_sources FALSE)
  foreach(_src IN LISTS CC_SRCS)
    if(_src MATCHES "\\.(cc|cpp|cxx|c)$")
      set(_has_sources TRUE)
    endif()
  endforeach()
  if(_has_sources)
    add_library(${_target} STATIC ${CC_SRCS} ${CC_HDRS})
    target_link_libraries(${_target} PUBLIC ${CC_DEPS})
  else()
    add_library(${_target} INTERFACE)
    if(CC_HDRS)
      list(TRANSFORM CC_HDRS PREPEND "${CMAKE_CURRENT_SOURCE_DIR}/")
      target_sources(${_target} INTERFACE "$<BUILD_INTERFACE:${CC_HDRS}>")
    endif()
    target_link_libraries(${_target} INTERFACE ${CC_DEPS})
  endif()
  add_library(cwalarm::${CC_NAME} ALIAS ${_target})
endfunction()

# cwalarm_cc_test(NAME x_test SRCS x_test.cc DEPS ... [DATA ...])
function(cwalarm_cc_test)
  cmake_parse_arguments(CC "" "NAME" "SRCS;DEPS;DATA" ${ARGN})
  if(NOT CWALARM_BUILD_TESTS)
    return()
  endif()
  add_executable(${CC_NAME} ${CC_SRCS})
  target_link_libraries(${CC_NAME} PRIVATE ${CC_DEPS} GTest::gmock GTest::gtest_main)
  # Tests open data files by paths relative to the repository root, as under
  # Bazel (whose test cwd is the runfiles root of workspace "cwalarm").
  gtest_discover_tests(${CC_NAME}
    WORKING_DIRECTORY ${PROJECT_SOURCE_DIR}
    DISCOVERY_MODE PRE_TEST)
endfunction()

# cwalarm_cc_binary(NAME x SRCS main.cc DEPS ...)
function(cwalarm_cc_binary)
  cmake_parse_arguments(CC "" "NAME" "SRCS;DEPS" ${ARGN})
  add_executable(${CC_NAME} ${CC_SRCS})
  target_link_libraries(${CC_NAME} PRIVATE ${CC_DEPS})
endfunction()

# cwalarm_cc_benchmark(NAME x_benchmark SRCS x_benchmark.cc DEPS ... [SMOKE_FILTER regex])
# Built only with CWALARM_BUILD_BENCHMARKS; ctest smoke-runs it briefly so it
# cannot rot (benchmark 1.7.1 takes a plain number of seconds, not "1x").
function(cwalarm_cc_benchmark)
  cmake_parse_arguments(CC "" "NAME;SMOKE_FILTER" "SRCS;DEPS" ${ARGN})
  if(NOT CWALARM_BUILD_BENCHMARKS)
    return()
  endif()
  add_executable(${CC_NAME} ${CC_SRCS})
  target_link_libraries(${CC_NAME} PRIVATE ${CC_DEPS} benchmark::benchmark_main)
  # SMOKE_FILTER limits the smoke run to the smallest sizes of every
  # benchmark function, so that a suite whose largest size takes minutes of
  # set-up still runs every function once in CI.
  set(_filter "")
  if(CC_SMOKE_FILTER)
    set(_filter "--benchmark_filter=${CC_SMOKE_FILTER}")
  endif()
  add_test(NAME ${CC_NAME}.smoke
    COMMAND ${CC_NAME} --benchmark_min_time=0.01 ${_filter}
    WORKING_DIRECTORY ${PROJECT_SOURCE_DIR})
  set_tests_properties(${CC_NAME}.smoke PROPERTIES LABELS benchmark)
endfunction()

# cwalarm_cc_proto(NAME x PROTO alarm_config.proto [DEPS ...])
# PROTO is relative to the current folder (or to the repository root). Runs
# protoc with the repository root as proto path, exactly like Bazel's
# cc_system_proto_library, so the header is included as
# "config/alarm_config.pb.h" and the generated code lands in the binary dir.
# (FindProtobuf's protobuf_generate in CMake 3.25 would drop the "config/".)
function(cwalarm_cc_proto)
  cmake_parse_arguments(CC "" "NAME;PROTO" "DEPS" ${ARGN})
  if(NOT CC_NAME OR NOT CC_PROTO)
    message(FATAL_ERROR "cwalarm_cc_proto: NAME and PROTO are required")
  endif()
  if(IS_ABSOLUTE "${CC_PROTO}")
    set(_abs "${CC_PROTO}")
  elseif(EXISTS "${CMAKE_CURRENT_SOURCE_DIR}/${CC_PROTO}")
    set(_abs "${CMAKE_CURRENT_SOURCE_DIR}/${CC_PROTO}")
  else()
    set(_abs "${PROJECT_SOURCE_DIR}/${CC_PROTO}")
  endif()
  file(RELATIVE_PATH _rel "${PROJECT_SOURCE_DIR}" "${_abs}")
  string(REGEX REPLACE "\\.proto$" "" _stem "${_rel}")
  set(_hdr "${PROJECT_BINARY_DIR}/${_stem}.pb.h")
  set(_src "${PROJECT_BINARY_DIR}/${_stem}.pb.cc")
  add_custom_command(
    OUTPUT "${_hdr}" "${_src}"
    COMMAND protobuf::protoc
      --proto_path=${PROJECT_SOURCE_DIR}
      --cpp_out=${PROJECT_BINARY_DIR}
      ${_abs}
    DEPENDS "${_abs}" protobuf::protoc
    COMMENT "Generating C++ code for ${_rel}"
    VERBATIM)
  set(_target cwalarm_${CC_NAME})
  add_library(${_target} STATIC "${_src}" "${_hdr}")
  target_include_directories(${_target} PUBLIC ${PROJECT_BINARY_DIR})
  target_link_libraries(${_target} PUBLIC ${CC_DEPS} protobuf::libprotobuf)
  add_library(cwalarm::${CC_NAME} ALIAS ${_target})
endfunction()
