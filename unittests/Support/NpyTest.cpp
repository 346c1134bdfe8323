//===- NpyTest.cpp - .npy reader/writer tests -----------------------------===//
#include "rotq/Support/Npy.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstring>

using namespace rotq::npy;

namespace {
// A float32 (2,3) file as numpy 1.24 writes it with np.save.
std::string numpyBytes() {
  std::string h = "{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }";
  h.append(118 - h.size() - 1, ' ');
  h += '\n';
  std::string b = "\x93NUMPY";
  b += char(1);
  b += char(0);
  b += char(118);
  b += char(0);
  b += h;
  float v[6] = {1, -2, 3.5f, 0, 1e-3f, -7};
  b.append(reinterpret_cast<char *>(v), sizeof(v));
  return b;
}

std::string message(llvm::Error e) { return llvm::toString(std::move(e)); }
} // namespace

TEST(Npy, ParsesNumpyOutput) {
  auto a = parse(numpyBytes(), "x.npy");
  ASSERT_TRUE(bool(a)) << message(a.takeError());
  EXPECT_EQ(a->dtype, DType::F32);
  EXPECT_EQ(a->shape, (std::vector<int64_t>{2, 3}));
  EXPECT_EQ(a->getDouble(2), 3.5);
  EXPECT_EQ(a->getDouble(5), -7);
}

TEST(Npy, RoundTripsEveryDtype) {
  std::string path = ::testing::TempDir() + "/rt.npy";
  for (DType t : {DType::F16, DType::F32, DType::F64, DType::I8, DType::I16,
                  DType::I32, DType::I64, DType::U8, DType::Bool}) {
    Array a;
    a.dtype = t;
    a.shape = {3, 1, 2};
    a.data.resize(6 * elementSize(t));
    for (size_t i = 0; i < a.data.size(); ++i)
      a.data[i] = char(i * 7 % 3);
    ASSERT_FALSE(bool(write(path, a)));
    auto b = read(path);
    ASSERT_TRUE(bool(b)) << message(b.takeError());
    EXPECT_EQ(b->dtype, t);
    EXPECT_EQ(b->shape, a.shape);
    EXPECT_EQ(b->data, a.data);
  }
}

TEST(Npy, ScalarAndVectorShapes) {
  std::string path = ::testing::TempDir() + "/shapes.npy";
  for (std::vector<int64_t> shape :
       {std::vector<int64_t>{}, {5}, {0, 4}}) {
    Array a;
    a.dtype = DType::F64;
    a.shape = shape;
    a.data.resize(a.numElements() * 8);
    ASSERT_FALSE(bool(write(path, a)));
    auto b = read(path);
    ASSERT_TRUE(bool(b)) << message(b.takeError());
    EXPECT_EQ(b->shape, shape);
  }
}

TEST(Npy, HalfConversion) {
  Array a;
  a.dtype = DType::F16;
  a.shape = {4};
  uint16_t v[4] = {0x3c00, 0xc000, 0x3555, 0x7c00}; // 1, -2, ~1/3, inf
  a.data.assign(reinterpret_cast<char *>(v), reinterpret_cast<char *>(v) + 8);
  EXPECT_EQ(a.getDouble(0), 1.0);
  EXPECT_EQ(a.getDouble(1), -2.0);
  EXPECT_NEAR(a.getDouble(2), 1.0 / 3, 1e-3);
  EXPECT_TRUE(std::isinf(a.getDouble(3)));
}

TEST(Npy, CorruptFilesGiveClearErrors) {
  std::string good = numpyBytes();
  EXPECT_NE(message(parse("hello", "a.npy").takeError()).find("a.npy: not a .npy file"),
            std::string::npos);
  EXPECT_NE(message(parse(good.substr(0, good.size() - 4), "b.npy").takeError())
                .find("truncated data: expected 24 bytes"),
            std::string::npos);
  EXPECT_NE(message(parse(good + "xx", "c.npy").takeError()).find("trailing bytes"),
            std::string::npos);
  EXPECT_NE(message(parse(good.substr(0, 40), "d.npy").takeError())
                .find("truncated .npy header"),
            std::string::npos);
  std::string bigEndian = good;
  bigEndian.replace(bigEndian.find("<f4"), 3, ">f4");
  EXPECT_NE(message(parse(bigEndian, "e.npy").takeError()).find("unsupported dtype '>f4'"),
            std::string::npos);
  std::string fortran = good;
  fortran.replace(fortran.find("False"), 5, "True ");
  EXPECT_NE(message(parse(fortran, "f.npy").takeError()).find("Fortran-order"),
            std::string::npos);
  std::string badShape = good;
  badShape.replace(badShape.find("(2, 3)"), 6, "(2, x)");
  EXPECT_NE(message(parse(badShape, "g.npy").takeError()).find("malformed shape"),
            std::string::npos);
  EXPECT_NE(message(read("/nonexistent/h.npy").takeError())
                .find("cannot read: No such file"),
            std::string::npos);
  // A directory where a file is expected is an error, not an exception.
  EXPECT_NE(message(read("/tmp").takeError()).find("cannot read"),
            std::string::npos);
}

// A shape whose byte size wraps around 2^64 (here to exactly 0 bytes:
// 2^61 elements x 8 bytes) must not pass as an empty array.
TEST(Npy, ShapeOverflowIsRefused) {
  std::string header = "{'descr': '<f8', 'fortran_order': False, 'shape': "
                       "(2305843009213693952,), }";
  header.resize(118, ' ');
  header += '\n';
  std::string bytes = std::string("\x93NUMPY\x01\x00", 8);
  bytes += char(header.size() & 0xff);
  bytes += char(header.size() >> 8);
  bytes += header;
  std::string msg = message(parse(bytes, "o.npy").takeError());
  EXPECT_NE(msg.find("is too large"), std::string::npos) << msg;
  // And a dimension beyond int64.
  std::string huge = bytes;
  huge.replace(huge.find("2305843009213693952"), 19, "9999999999999999999");
  msg = message(parse(huge, "p.npy").takeError());
  EXPECT_NE(msg.find("malformed shape"), std::string::npos) << msg;
}
