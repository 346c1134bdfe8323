//===- Json.cpp - JSON parsing with a bounded depth -----------------------===//
#include "rotq/Support/Json.h"

using namespace rotq;

llvm::Expected<llvm::json::Value> rotq::parseJson(llvm::StringRef text,
                                                  unsigned maxDepth) {
  unsigned depth = 0;
  bool inString = false;
  for (size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (inString) {
      if (c == '\\')
        ++i; // the escaped character cannot end the string
      else if (c == '"')
        inString = false;
      continue;
    }
    if (c == '"') {
      inString = true;
    } else if (c == '[' || c == '{') {
      if (++depth > maxDepth)
        return llvm::createStringError(
            llvm::inconvertibleErrorCode(),
            "nested deeper than " + llvm::Twine(maxDepth) + " levels");
    } else if ((c == ']' || c == '}') && depth > 0) {
      --depth;
    }
  }
  return llvm::json::parse(text);
}

std::optional<int64_t> rotq::jsonInteger(const llvm::json::Value &value) {
  // Every int64_t is within [-2^63, 2^63) as a double; getAsInteger is safe
  // for what lies inside.
  std::optional<double> d = value.getAsNumber();
  if (!d || !(*d >= -0x1p63 && *d < 0x1p63))
    return std::nullopt;
  return value.getAsInteger();
}

std::optional<int64_t> rotq::jsonInteger(const llvm::json::Object &object,
                                         llvm::StringRef key) {
  const llvm::json::Value *v = object.get(key);
  return v ? jsonInteger(*v) : std::nullopt;
}
