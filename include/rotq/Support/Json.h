//===- Json.h - JSON parsing with a bounded depth ---------------*- C++ -*-===//
#ifndef ROTQ_SUPPORT_JSON_H
#define ROTQ_SUPPORT_JSON_H

#include "llvm/Support/Error.h"
#include "llvm/Support/JSON.h"

namespace rotq {

/// llvm::json::parse recurses once per nesting level, so deeply nested
/// input (hostile or corrupt) would overflow the stack: text nested deeper
/// than `maxDepth` is refused before parsing. Config files and safetensors
/// headers nest 3 levels.
llvm::Expected<llvm::json::Value> parseJson(llvm::StringRef text,
                                            unsigned maxDepth = 64);

/// The value as an integer, or none when it is not one. Unlike
/// llvm::json::Value::getAsInteger, a float at or beyond 2^63 (which that
/// converts to int64_t, undefined behaviour) is none too.
std::optional<int64_t> jsonInteger(const llvm::json::Value &value);
/// The member `key` of `object` as an integer (none if absent or not one).
std::optional<int64_t> jsonInteger(const llvm::json::Object &object,
                                   llvm::StringRef key);

} // namespace rotq

#endif
