#include "data/split.h"

#include <algorithm>
#include <cmath>
#include <numeric>
#include <stdexcept>

#include "data/random.h"

namespace ft::data {

namespace {

// indices grouped by class, each group in the order of `indices`.
std::vector<std::vector<std::size_t>> groupByClass(const Dataset& dataset,
                                                   const std::vector<std::size_t>& indices) {
  std::vector<std::vector<std::size_t>> groups(dataset.classNames().size());
  for (const std::size_t index : indices) {
    const int label = dataset.label(index);
    if (label < 0 || static_cast<std::size_t>(label) >= groups.size())
      throw std::out_of_range(dataset.describe() + ": label out of range");
    groups[static_cast<std::size_t>(label)].push_back(index);
  }
  return groups;
}

// Shuffles each class group with its own stream and moves the first quota[c] into `taken`,
// the rest into `rest` (if given).
void takeFromGroups(std::vector<std::vector<std::size_t>>& groups, const std::vector<std::size_t>& quotas,
                    std::uint64_t seed, std::vector<std::size_t>& taken, std::vector<std::size_t>* rest) {
  for (std::size_t c = 0; c < groups.size(); ++c) {
    auto& group = groups[c];
    std::sort(group.begin(), group.end());  // independent of the input order
    std::mt19937_64 rng(mixSeed({seed, c}));
    seededShuffle(group, rng);
    const std::size_t k = std::min(quotas[c], group.size());
    taken.insert(taken.end(), group.begin(), group.begin() + static_cast<std::ptrdiff_t>(k));
    if (rest) rest->insert(rest->end(), group.begin() + static_cast<std::ptrdiff_t>(k), group.end());
  }
  std::sort(taken.begin(), taken.end());
  if (rest) std::sort(rest->begin(), rest->end());
}

}  // namespace

std::vector<std::size_t> allIndices(const Dataset& dataset) {
  std::vector<std::size_t> indices(dataset.size());
  std::iota(indices.begin(), indices.end(), std::size_t{0});
  return indices;
}

std::vector<std::size_t> countPerClass(const Dataset& dataset, const std::vector<std::size_t>& indices) {
  std::vector<std::size_t> counts(dataset.classNames().size(), 0);
  for (const std::size_t index : indices) {
    const int label = dataset.label(index);
    if (label >= 0 && static_cast<std::size_t>(label) < counts.size()) ++counts[label];
  }
  return counts;
}

std::vector<std::size_t> proportionalQuotas(const std::vector<std::size_t>& counts, std::size_t total) {
  const std::size_t all = std::accumulate(counts.begin(), counts.end(), std::size_t{0});
  std::vector<std::size_t> quotas(counts.size(), 0);
  if (all == 0) return quotas;
  total = std::min(total, all);
  std::vector<std::pair<double, std::size_t>> remainders;  // (fraction, class)
  std::size_t assigned = 0;
  for (std::size_t c = 0; c < counts.size(); ++c) {
    // Exact integer arithmetic for the floor; the remainder ranks the leftovers.
    const unsigned __int128 scaled = static_cast<unsigned __int128>(counts[c]) * total;
    quotas[c] = static_cast<std::size_t>(scaled / all);
    assigned += quotas[c];
    remainders.emplace_back(static_cast<double>(scaled % all) / static_cast<double>(all), c);
  }
  std::stable_sort(remainders.begin(), remainders.end(),
                   [](const auto& a, const auto& b) { return a.first > b.first; });
  for (std::size_t i = 0; assigned < total && i < remainders.size(); ++i) {
    const std::size_t c = remainders[i].second;
    if (quotas[c] < counts[c]) {
      ++quotas[c];
      ++assigned;
    }
  }
  return quotas;
}

SplitIndices stratifiedSplit(const Dataset& dataset, const std::vector<std::size_t>& indices,
                             double validationPercent, std::uint64_t seed) {
  auto groups = groupByClass(dataset, indices);
  std::vector<std::size_t> counts;
  for (const auto& group : groups) counts.push_back(group.size());
  const double share = std::clamp(validationPercent, 0.0, 100.0) / 100.0;
  const auto held = static_cast<std::size_t>(std::llround(share * static_cast<double>(indices.size())));
  SplitIndices split;
  takeFromGroups(groups, proportionalQuotas(counts, held), seed, split.validation, &split.train);
  return split;
}

std::vector<std::size_t> stratifiedSubset(const Dataset& dataset, const std::vector<std::size_t>& indices,
                                          std::size_t count, std::uint64_t seed) {
  if (count == 0 || count >= indices.size()) {
    std::vector<std::size_t> all = indices;
    std::sort(all.begin(), all.end());
    return all;
  }
  auto groups = groupByClass(dataset, indices);
  std::vector<std::size_t> counts;
  for (const auto& group : groups) counts.push_back(group.size());
  std::vector<std::size_t> taken;
  takeFromGroups(groups, proportionalQuotas(counts, count), seed, taken, nullptr);
  return taken;
}

}  // namespace ft::data
