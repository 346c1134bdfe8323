# Fails when a committed doc in docs/ differs from the one ODS generates.
foreach(doc Dialects/RotqOps.md Passes/RotqConversionPasses.md
            Passes/RotqTransformPasses.md)
  file(READ ${GEN}/${doc} generated)
  if(NOT EXISTS ${SRC}/${doc})
    message(FATAL_ERROR "docs/${doc} is missing; run `make docs`")
  endif()
  file(READ ${SRC}/${doc} committed)
  if(NOT generated STREQUAL committed)
    message(FATAL_ERROR "docs/${doc} is stale; run `make docs`")
  endif()
endforeach()
message(STATUS "docs/ matches ODS")
