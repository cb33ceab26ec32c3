# Writes OUTPUT (a header defining PHOENIX_VERSION) from `git describe`, touching the
# file only when the version changed, so a rebuild does not relink for nothing.
execute_process(
  COMMAND git describe --tags --always --dirty
  WORKING_DIRECTORY "${SOURCE_DIR}"
  OUTPUT_VARIABLE describe
  ERROR_QUIET
  OUTPUT_STRIP_TRAILING_WHITESPACE
  RESULT_VARIABLE rc)
if(NOT rc EQUAL 0 OR describe STREQUAL "")
  set(describe "${FALLBACK}-nogit")
endif()
set(content "#pragma once\n#define PHOENIX_VERSION \"${describe}\"\n")
if(EXISTS "${OUTPUT}")
  file(READ "${OUTPUT}" old)
  if(old STREQUAL content)
    return()
  endif()
endif()
file(WRITE "${OUTPUT}" "${content}")
