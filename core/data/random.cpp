#include "data/random.h"

#include <limits>
#include <numeric>

namespace ft::data {

namespace {
std::uint64_t splitMix64(std::uint64_t x) {
  x += 0x9e3779b97f4a7c15ull;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ull;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebull;
  return x ^ (x >> 31);
}
}  // namespace

std::uint64_t mixSeed(std::initializer_list<std::uint64_t> parts) {
  std::uint64_t h = 0x6a09e667f3bcc908ull;
  for (const std::uint64_t part : parts) h = splitMix64(h ^ splitMix64(part));
  return h;
}

std::uint64_t uniformBelow(std::mt19937_64& rng, std::uint64_t n) {
  // Reject the top partial block so every residue is equally likely.
  const std::uint64_t limit = std::numeric_limits<std::uint64_t>::max() -
                              std::numeric_limits<std::uint64_t>::max() % n;
  std::uint64_t value = rng();
  while (value >= limit) value = rng();
  return value % n;
}

std::vector<std::size_t> seededPermutation(std::size_t n, std::uint64_t seed) {
  std::vector<std::size_t> order(n);
  std::iota(order.begin(), order.end(), std::size_t{0});
  std::mt19937_64 rng(seed);
  seededShuffle(order, rng);
  return order;
}

}  // namespace ft::data
