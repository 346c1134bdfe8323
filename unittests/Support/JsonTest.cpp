//===- JsonTest.cpp - integers read from JSON -----------------------------===//
#include "rotq/Support/Json.h"

#include <gtest/gtest.h>

using namespace rotq;

namespace {

std::optional<int64_t> integerOf(llvm::StringRef text) {
  llvm::Expected<llvm::json::Value> v = parseJson(text);
  EXPECT_TRUE(bool(v));
  if (!v) {
    llvm::consumeError(v.takeError());
    return std::nullopt;
  }
  return jsonInteger(*v);
}

TEST(JsonInteger, IntegersAndWholeFloats) {
  EXPECT_EQ(integerOf("42"), 42);
  EXPECT_EQ(integerOf("-7"), -7);
  EXPECT_EQ(integerOf("64.0"), 64);
  EXPECT_EQ(integerOf("1e3"), 1000);
  EXPECT_EQ(integerOf("-9223372036854775808.0"), INT64_MIN);
}

TEST(JsonInteger, NotIntegers) {
  EXPECT_EQ(integerOf("2.5"), std::nullopt);
  EXPECT_EQ(integerOf("\"3\""), std::nullopt);
  EXPECT_EQ(integerOf("true"), std::nullopt);
  EXPECT_EQ(integerOf("null"), std::nullopt);
  EXPECT_EQ(integerOf("[1]"), std::nullopt);
}

// 2^63 and beyond do not fit an int64_t: none, where getAsInteger converts
// (undefined behaviour).
TEST(JsonInteger, OutOfRangeFloats) {
  EXPECT_EQ(integerOf("9223372036854775808.0"), std::nullopt);
  EXPECT_EQ(integerOf("1e19"), std::nullopt);
  EXPECT_EQ(integerOf("1e300"), std::nullopt);
  EXPECT_EQ(integerOf("-1e19"), std::nullopt);
  EXPECT_EQ(integerOf("18446744073709551615"), std::nullopt);
}

TEST(JsonInteger, ObjectMember) {
  llvm::Expected<llvm::json::Value> v = parseJson("{\"id\": 3, \"x\": 1.5}");
  ASSERT_TRUE(bool(v));
  const llvm::json::Object *o = v->getAsObject();
  ASSERT_NE(o, nullptr);
  EXPECT_EQ(jsonInteger(*o, "id"), 3);
  EXPECT_EQ(jsonInteger(*o, "x"), std::nullopt);
  EXPECT_EQ(jsonInteger(*o, "missing"), std::nullopt);
}

} // namespace
