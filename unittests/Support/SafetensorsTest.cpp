//===- SafetensorsTest.cpp - safetensors and 16-bit float tests -----------===//
#include "rotq/Support/FloatBits.h"
#include "rotq/Support/Safetensors.h"

#include "llvm/Support/FileSystem.h"
#include "llvm/Support/raw_ostream.h"

#include <gtest/gtest.h>

#include <cmath>

using namespace rotq;

namespace {
std::string tempPath(const char *name) {
  llvm::SmallString<128> dir;
  llvm::sys::fs::createUniqueDirectory("rotq-st", dir);
  return std::string(dir) + "/" + name;
}

TEST(FloatBits, HandWorkedValues) {
  // bf16 keeps the top 16 bits of the float, rounding to nearest even:
  // 1 + 2^-8 is halfway between 1 and 1 + 2^-7 and goes to 1 (even).
  EXPECT_EQ(floatToBF16(1.0f), 0x3F80);
  EXPECT_EQ(floatToBF16(1.0f + 0x1.0p-8f), 0x3F80);
  EXPECT_EQ(floatToBF16(1.0f + 0x1.8p-8f), 0x3F81);
  EXPECT_EQ(floatToBF16(-2.0f), 0xC000);
  EXPECT_EQ(bf16ToFloat(0x3F81), 1.0f + 0x1.0p-7f);
  // IEEE half: 1.0 = 0x3C00, 65504 is the largest finite value.
  EXPECT_EQ(floatToHalf(1.0f), 0x3C00);
  EXPECT_EQ(floatToHalf(65504.0f), 0x7BFF);
  EXPECT_EQ(halfToFloat(0x7BFF), 65504.0f);
  EXPECT_EQ(halfToFloat(0x0001), std::ldexp(1.0f, -24));
  EXPECT_TRUE(std::isnan(bf16ToFloat(floatToBF16(NAN))));
}

TEST(Safetensors, RoundTripsEachDType) {
  std::vector<float> v = {1.0f, -0.5f, 3.25f, 0.0f, 100.0f, -7.0f};
  for (auto dt : {safetensors::DType::F32, safetensors::DType::F16,
                  safetensors::DType::BF16, safetensors::DType::F64}) {
    std::string path = tempPath("a.safetensors");
    ASSERT_FALSE(bool(safetensors::write(
        path, {{"w", {2, 3}, v}, {"b", {6}, v}}, dt)));
    auto ck = safetensors::Checkpoint::open(path);
    ASSERT_TRUE(bool(ck)) << llvm::toString(ck.takeError());
    EXPECT_EQ(ck->find("w")->dtype, dt);
    auto w = ck->readFloat("w", {2, 3});
    ASSERT_TRUE(bool(w));
    EXPECT_EQ(*w, v); // all values are exact in every dtype
    auto bad = ck->readFloat("w", {3, 2});
    ASSERT_FALSE(bool(bad));
    EXPECT_NE(llvm::toString(bad.takeError()).find("has shape [2x3]"),
              std::string::npos);
  }
}

TEST(Safetensors, HeaderIsAlignedAndNamesTheFormat) {
  std::string path = tempPath("b.safetensors");
  ASSERT_FALSE(bool(safetensors::write(path, {{"x", {1}, {2.0f}}},
                                       safetensors::DType::F32)));
  auto buf = llvm::MemoryBuffer::getFile(path);
  ASSERT_TRUE(bool(buf));
  llvm::StringRef bytes = (*buf)->getBuffer();
  uint64_t n = 0;
  for (int i = 7; i >= 0; --i)
    n = (n << 8) | uint8_t(bytes[i]);
  EXPECT_EQ((8 + n) % 8, 0u);
  EXPECT_EQ(bytes.size(), 8 + n + 4);
  EXPECT_NE(bytes.substr(8, n).find("\"format\":\"pt\""), llvm::StringRef::npos);
}

TEST(Safetensors, RejectsInconsistentFiles) {
  auto open = [](const std::string &bytes) {
    std::string path = tempPath("c.safetensors");
    std::error_code ec;
    llvm::raw_fd_ostream os(path, ec);
    os << bytes;
    os.close();
    auto ck = safetensors::Checkpoint::open(path);
    return ck ? std::string() : llvm::toString(ck.takeError());
  };
  auto withHeader = [](const std::string &json, size_t dataBytes) {
    std::string s;
    uint64_t n = json.size();
    for (int i = 0; i < 8; ++i)
      s += char((n >> (8 * i)) & 0xff);
    return s + json + std::string(dataBytes, '\0');
  };
  EXPECT_NE(open("abc").find("shorter than"), std::string::npos);
  EXPECT_NE(open(withHeader("{\"x\":{\"dtype\":\"F32\",\"shape\":[2],"
                            "\"data_offsets\":[0,8]}}", 4))
                .find("truncated"),
            std::string::npos);
  EXPECT_NE(open(withHeader("{\"x\":{\"dtype\":\"F32\",\"shape\":[3],"
                            "\"data_offsets\":[0,8]}}", 8))
                .find("need 12"),
            std::string::npos);
  EXPECT_NE(open(withHeader("{\"x\":{\"dtype\":\"F32\",\"shape\":[-1],"
                            "\"data_offsets\":[0,0]}}", 0))
                .find("invalid shape"),
            std::string::npos);
  EXPECT_NE(open(withHeader("[1,2]", 0)).find("not an object"),
            std::string::npos);
  // A header length one byte short of the real header (padding spaces
  // keep the JSON valid) shifts every tensor by a byte: refused because the
  // data is no longer covered exactly.
  std::string padded = "{\"x\":{\"dtype\":\"F32\",\"shape\":[2],"
                       "\"data_offsets\":[0,8]}}   ";
  std::string shortLen = withHeader(padded, 8);
  shortLen[0] = char(padded.size() - 1);
  EXPECT_NE(open(shortLen).find("wrong header length"), std::string::npos)
      << open(shortLen);
  EXPECT_NE(open(withHeader("{\"x\":{\"dtype\":\"F32\",\"shape\":[1],"
                            "\"data_offsets\":[4,8]}}", 8))
                .find("starts at data byte 4, expected 0"),
            std::string::npos);
  // Nesting is bounded before llvm::json::parse recurses.
  std::string deep = "{\"m\":" + std::string(60000, '[') + "}";
  EXPECT_NE(open(withHeader(deep, 0)).find("nested deeper than 64"),
            std::string::npos);
}
} // namespace
