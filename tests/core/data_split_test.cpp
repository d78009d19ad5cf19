// Seeded stratified splits and subsets, and the seeding helpers they use.
#include <algorithm>
#include <set>

#include <gtest/gtest.h>

#include "data/in_memory_dataset.h"
#include "data/random.h"
#include "data/split.h"

namespace {

using namespace ft::data;

// 1 x 1 gray images; labels given per sample.
std::shared_ptr<InMemoryDataset> datasetWithLabels(const std::vector<std::uint8_t>& labels, int classes) {
  std::vector<std::string> names;
  for (int c = 0; c < classes; ++c) names.push_back("class" + std::to_string(c));
  return std::make_shared<InMemoryDataset>(std::vector<std::uint8_t>(labels.size(), 0), labels, 1, 1, 1,
                                           names, "test set");
}

// 50 of class 0, 30 of class 1, 20 of class 2, interleaved.
std::shared_ptr<InMemoryDataset> unbalanced() {
  std::vector<std::uint8_t> labels;
  for (int i = 0; i < 50; ++i) labels.push_back(0);
  for (int i = 0; i < 30; ++i) labels.push_back(1);
  for (int i = 0; i < 20; ++i) labels.push_back(2);
  std::mt19937_64 rng(1);
  seededShuffle(labels, rng);
  return datasetWithLabels(labels, 3);
}

TEST(Split, StratifiedDisjointComplete) {
  const auto set = unbalanced();
  const auto all = allIndices(*set);
  const SplitIndices split = stratifiedSplit(*set, all, 10.0, 123);
  EXPECT_EQ(countPerClass(*set, split.validation), (std::vector<std::size_t>{5, 3, 2}));
  EXPECT_EQ(countPerClass(*set, split.train), (std::vector<std::size_t>{45, 27, 18}));
  std::set<std::size_t> seen(split.train.begin(), split.train.end());
  for (const auto i : split.validation) EXPECT_TRUE(seen.insert(i).second) << "in both: " << i;
  EXPECT_EQ(seen.size(), 100u);
  EXPECT_TRUE(std::is_sorted(split.train.begin(), split.train.end()));
  EXPECT_TRUE(std::is_sorted(split.validation.begin(), split.validation.end()));
}

TEST(Split, SeededAndIndependentOfInputOrder) {
  const auto set = unbalanced();
  auto all = allIndices(*set);
  const SplitIndices a = stratifiedSplit(*set, all, 25.0, 7);
  std::reverse(all.begin(), all.end());
  const SplitIndices b = stratifiedSplit(*set, all, 25.0, 7);
  EXPECT_EQ(a.validation, b.validation);
  EXPECT_EQ(a.train, b.train);
  const SplitIndices c = stratifiedSplit(*set, all, 25.0, 8);
  EXPECT_NE(a.validation, c.validation);
  EXPECT_EQ(c.validation.size(), 25u);
}

TEST(Split, SplitOfASubsetStaysInsideIt) {
  const auto set = unbalanced();
  std::vector<std::size_t> evens;
  for (std::size_t i = 0; i < set->size(); i += 2) evens.push_back(i);
  const SplitIndices split = stratifiedSplit(*set, evens, 20.0, 1);
  EXPECT_EQ(split.train.size() + split.validation.size(), 50u);
  EXPECT_EQ(split.validation.size(), 10u);
  for (const auto i : split.validation) EXPECT_EQ(i % 2, 0u);
}

TEST(Subset, StratifiedSeededLimits) {
  const auto set = unbalanced();
  const auto all = allIndices(*set);
  const auto ten = stratifiedSubset(*set, all, 10, 99);
  EXPECT_EQ(ten.size(), 10u);
  EXPECT_EQ(countPerClass(*set, ten), (std::vector<std::size_t>{5, 3, 2}));
  EXPECT_EQ(stratifiedSubset(*set, all, 10, 99), ten);
  EXPECT_NE(stratifiedSubset(*set, all, 10, 100), ten);
  EXPECT_EQ(stratifiedSubset(*set, all, 0, 99), all);
  EXPECT_EQ(stratifiedSubset(*set, all, 1000, 99), all);
  EXPECT_EQ(std::set<std::size_t>(ten.begin(), ten.end()).size(), 10u);
}

TEST(Quotas, LargestRemainderGivesExactTotals) {
  EXPECT_EQ(proportionalQuotas({3, 3, 3}, 4), (std::vector<std::size_t>{2, 1, 1}));
  EXPECT_EQ(proportionalQuotas({50, 30, 20}, 7), (std::vector<std::size_t>{4, 2, 1}));
  EXPECT_EQ(proportionalQuotas({1, 0, 99}, 100), (std::vector<std::size_t>{1, 0, 99}));
  EXPECT_EQ(proportionalQuotas({1, 0, 99}, 500), (std::vector<std::size_t>{1, 0, 99}));
  EXPECT_EQ(proportionalQuotas({}, 5), (std::vector<std::size_t>{}));
  for (std::size_t total = 0; total <= 100; ++total) {
    const auto q = proportionalQuotas({50, 30, 20}, total);
    EXPECT_EQ(q[0] + q[1] + q[2], total);
  }
}

TEST(Random, PermutationIsSeededAndComplete) {
  const auto a = seededPermutation(1000, 5);
  EXPECT_EQ(a, seededPermutation(1000, 5));
  EXPECT_NE(a, seededPermutation(1000, 6));
  auto sorted = a;
  std::sort(sorted.begin(), sorted.end());
  for (std::size_t i = 0; i < sorted.size(); ++i) ASSERT_EQ(sorted[i], i);
  // Fixed values: saved runs and resumed epochs rely on these never changing.
  EXPECT_EQ(seededPermutation(10, 5), (std::vector<std::size_t>{8, 7, 1, 3, 5, 9, 6, 0, 4, 2}));
  EXPECT_EQ(mixSeed({1, 2, 3}), 1409684164976324992ull);
  std::mt19937_64 rng(mixSeed({1, 2, 3}));
  EXPECT_NE(mixSeed({1, 2}), mixSeed({2, 1}));
  std::vector<int> counts(5, 0);
  for (int i = 0; i < 5000; ++i) ++counts[uniformBelow(rng, 5)];
  for (const int c : counts) EXPECT_NEAR(c, 1000, 150);
}

}  // namespace
