# Compiler flags shared by every Phoenix target.
add_library(phoenix_options INTERFACE)
target_compile_options(phoenix_options INTERFACE
  -Wall -Wextra -Wpedantic -Wshadow -Wconversion -Wsign-conversion
  -Wnon-virtual-dtor -Wold-style-cast -Woverloaded-virtual
  -Wimplicit-fallthrough)
if(PHOENIX_WERROR)
  target_compile_options(phoenix_options INTERFACE -Werror)
endif()
if(PHOENIX_SANITIZE)
  target_compile_options(phoenix_options INTERFACE
    -fsanitize=address,undefined -fno-sanitize-recover=undefined -fno-omit-frame-pointer)
  target_link_options(phoenix_options INTERFACE -fsanitize=address,undefined)
endif()
