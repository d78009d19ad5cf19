#pragma once
// Seeded, stratified selections of sample indices: validation hold-out and size limits.
#include <cstddef>
#include <cstdint>
#include <vector>

#include "data/data_source.h"

namespace ft::data {

struct SplitIndices {
  std::vector<std::size_t> train;
  std::vector<std::size_t> validation;
};

// 0, 1, ..., dataset.size()-1.
std::vector<std::size_t> allIndices(const Dataset& dataset);

// Number of samples of each class among `indices` (classNames().size() entries).
std::vector<std::size_t> countPerClass(const Dataset& dataset, const std::vector<std::size_t>& indices);

// Per-class quotas for taking `total` of `counts` proportionally: floors of the exact shares,
// then the remainder to the largest fractional parts (ties to the lower class index).
std::vector<std::size_t> proportionalQuotas(const std::vector<std::size_t>& counts, std::size_t total);

// Holds out round(percent% of indices) for validation, proportionally from every class, chosen
// at random with `seed`. Both outputs are sorted and disjoint; together they are `indices`.
SplitIndices stratifiedSplit(const Dataset& dataset, const std::vector<std::size_t>& indices,
                             double validationPercent, std::uint64_t seed);

// `count` of `indices`, proportionally from every class, chosen with `seed`, sorted.
// count == 0 or count >= indices.size() returns all of `indices` (sorted).
std::vector<std::size_t> stratifiedSubset(const Dataset& dataset, const std::vector<std::size_t>& indices,
                                          std::size_t count, std::uint64_t seed);

}  // namespace ft::data
