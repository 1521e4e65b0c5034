# Helper functions: one per kind of target (KenLM's AddExes / KenLMAddTest style).

# pmt_warnings(<target>): the project's warning set; warnings are bugs.
function(pmt_warnings target)
  target_compile_options(${target} PRIVATE -Wall -Wextra -Wpedantic -Wshadow)
endfunction()

# pmt_add_library(<name> <sources>...): one room's static library (src/<room>/).
function(pmt_add_library name)
  add_library(${name} STATIC ${ARGN})
  add_library(pmt::${name} ALIAS ${name})
  pmt_warnings(${name})
endfunction()

# pmt_add_tool(<name> [LIBS ...]): executable <name> from tools/<name>_main.cpp, in <build>/tools.
function(pmt_add_tool name)
  cmake_parse_arguments(ARG "" "" "LIBS" ${ARGN})
  add_executable(${name} ${CMAKE_CURRENT_SOURCE_DIR}/${name}_main.cpp)
  target_link_libraries(${name} PRIVATE ${ARG_LIBS})
  set_target_properties(${name} PROPERTIES RUNTIME_OUTPUT_DIRECTORY ${PROJECT_BINARY_DIR}/tools)
  pmt_warnings(${name})
endfunction()

# pmt_add_test(<name> SOURCES ... [LIBS ...]): one Catch2 executable registered with CTest.
function(pmt_add_test name)
  cmake_parse_arguments(ARG "" "" "SOURCES;LIBS" ${ARGN})
  add_executable(${name} ${ARG_SOURCES})
  target_link_libraries(${name} PRIVATE pmt_catch_main ${ARG_LIBS})
  target_compile_definitions(${name} PRIVATE
    PMT_TEST_DATA_DIR="${PROJECT_SOURCE_DIR}/tests/data"
    PMT_SOURCE_DIR="${PROJECT_SOURCE_DIR}"
    PMT_BINARY_DIR="${PROJECT_BINARY_DIR}")
  pmt_warnings(${name})
  # tests/support/catch_main.cpp fails a test name that matches no case (CTest mangles one with
  # a ";") and a case without assertions
  catch_discover_tests(${name} TEST_PREFIX "${name}:" PROPERTIES TIMEOUT 600)
endfunction()
