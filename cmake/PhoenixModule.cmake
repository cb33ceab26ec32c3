# phoenix_module(<name> DEPS <targets...>)
#
# Declares the static library `phoenix_<name>` (alias `phoenix::<name>`) from the
# current directory's *.cc files, and, when tests are on, one GoogleTest binary
# `phoenix_<name>_test` from its *_test.cc files (label `unit`). Sources are globbed
# with CONFIGURE_DEPENDS so adding a file needs no CMake edit.
function(phoenix_module name)
  cmake_parse_arguments(ARG "" "" "DEPS;TEST_DEPS" ${ARGN})
  file(GLOB all_sources CONFIGURE_DEPENDS "${CMAKE_CURRENT_SOURCE_DIR}/*.cc")
  file(GLOB test_sources CONFIGURE_DEPENDS "${CMAKE_CURRENT_SOURCE_DIR}/*_test.cc")
  set(lib_sources ${all_sources})
  if(test_sources)
    list(REMOVE_ITEM lib_sources ${test_sources})
  endif()
  set(target phoenix_${name})
  if(NOT lib_sources)
    message(STATUS "phoenix_module(${name}): no sources yet, skipped")
    return()
  endif()
  add_library(${target} STATIC ${lib_sources})
  add_library(phoenix::${name} ALIAS ${target})
  target_include_directories(${target} PUBLIC "${PROJECT_SOURCE_DIR}/src")
  target_link_libraries(${target} PUBLIC ${ARG_DEPS} PRIVATE phoenix_options)
  if(PHOENIX_BUILD_TESTS AND test_sources)
    add_executable(${target}_test ${test_sources})
    target_link_libraries(${target}_test PRIVATE ${target} ${ARG_TEST_DEPS}
                          GTest::gtest GTest::gmock GTest::gtest_main phoenix_options)
    target_compile_definitions(${target}_test PRIVATE PHOENIX_SOURCE_DIR_DEFAULT="${PROJECT_SOURCE_DIR}")
    gtest_discover_tests(${target}_test
      PROPERTIES LABELS unit
      ENVIRONMENT "PHOENIX_SOURCE_DIR=${PROJECT_SOURCE_DIR}"
      DISCOVERY_TIMEOUT 60)
  endif()
endfunction()
