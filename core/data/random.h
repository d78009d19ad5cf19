#pragma once
// Seeded, platform-independent randomness for the data layer. std::shuffle and the std
// distributions are implementation-defined, so orders and splits use these instead: the same
// seed gives the same permutation with any standard library.
#include <cstddef>
#include <cstdint>
#include <initializer_list>
#include <random>
#include <vector>

namespace ft::data {

// Mixes several values into one 64-bit seed (SplitMix64 finaliser over each part).
std::uint64_t mixSeed(std::initializer_list<std::uint64_t> parts);

// Uniform integer in [0, n), n > 0 (unbiased, rejection sampling).
std::uint64_t uniformBelow(std::mt19937_64& rng, std::uint64_t n);

// Fisher-Yates shuffle driven by uniformBelow.
template <typename T>
void seededShuffle(std::vector<T>& values, std::mt19937_64& rng) {
  for (std::size_t i = values.size(); i > 1; --i) {
    const std::size_t j = static_cast<std::size_t>(uniformBelow(rng, i));
    std::swap(values[i - 1], values[j]);
  }
}

// 0, 1, ..., n-1 shuffled with `seed`.
std::vector<std::size_t> seededPermutation(std::size_t n, std::uint64_t seed);

// Stable tags that keep the random streams of different uses apart.
enum class SeedPurpose : std::uint64_t {
  ValidationSplit = 0x5350'4c49'54ull,
  TrainLimit = 0x5452'4c49'4dull,
  ValidationLimit = 0x5641'4c49'4dull,
  EpochOrder = 0x4f52'4445'52ull,
  Augmentation = 0x4155'474dull,
  Statistics = 0x5354'4154'53ull,
};

inline std::uint64_t purposeSeed(std::uint64_t seed, SeedPurpose purpose) {
  return mixSeed({seed, static_cast<std::uint64_t>(purpose)});
}

}  // namespace ft::data
