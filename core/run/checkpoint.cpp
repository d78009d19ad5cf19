#include "run/checkpoint.h"

#include <sstream>

#include "common/atomic_file.h"
#include "common/error.h"
#include "models/classifier.h"

namespace ft::run {
namespace {

const char* kStateKey = "finetune_state";

std::string shapeText(const torch::Tensor& t) {
  std::ostringstream out;
  out << t.sizes();
  return out.str();
}

}  // namespace

// Contiguous float32 whatever layout training used (channels-last in mixed precision): the
// file is the same for every precision.
void writeModelState(torch::serialize::OutputArchive& archive, const torch::nn::Module& model) {
  for (const auto& item : model.named_parameters(true))
    archive.write("model/" + item.key(), item.value().detach().cpu().contiguous());
  for (const auto& item : model.named_buffers(true))
    archive.write("model/" + item.key(), item.value().cpu().contiguous(), /*is_buffer=*/true);
}

void readModelState(torch::serialize::InputArchive& archive, torch::nn::Module& model,
                    const std::string& file, bool skipMismatchedHead) {
  torch::NoGradGuard noGrad;
  std::vector<std::string> missing, mismatched;
  // The head is the classifier's own (models/classifier.h); a plain module has none to skip.
  const auto* classifier = dynamic_cast<const models::ClassifierImpl*>(&model);
  auto isHead = [&](const std::string& key) { return classifier != nullptr && classifier->isHeadKey(key); };
  auto copyInto = [&](const std::string& key, torch::Tensor& target) {
    torch::Tensor stored;
    if (!archive.try_read("model/" + key, stored)) {
      missing.push_back(key);
      return;
    }
    if (stored.sizes() != target.sizes()) {
      if (skipMismatchedHead && isHead(key)) return;
      mismatched.push_back(key + " (file " + shapeText(stored) + ", model " + shapeText(target) + ")");
      return;
    }
    target.copy_(stored.to(target.dtype()));
  };
  for (auto& item : model.named_parameters(true)) copyInto(item.key(), item.value());
  for (auto& item : model.named_buffers(true)) copyInto(item.key(), item.value());
  if (missing.empty() && mismatched.empty()) return;
  std::string message = file + ": these weights do not fit the model.";
  auto list = [&](const char* what, const std::vector<std::string>& keys) {
    if (keys.empty()) return;
    message += std::string(" ") + what + " (" + std::to_string(keys.size()) + "): ";
    for (std::size_t i = 0; i < keys.size() && i < 5; ++i) message += (i ? ", " : "") + keys[i];
    if (keys.size() > 5) message += ", ...";
    message += ".";
  };
  list("Missing keys", missing);
  list("Shape mismatches", mismatched);
  message += " Choose weights saved from the same architecture.";
  throw UserError(message);
}

void saveCheckpoint(const std::string& path, const torch::nn::Module& model,
                    const torch::optim::Optimizer* optimizer, const nlohmann::json& state) {
  torch::serialize::OutputArchive archive;
  writeModelState(archive, model);
  if (optimizer) {
    torch::serialize::OutputArchive optimizerArchive;
    optimizer->save(optimizerArchive);
    archive.write("optimizer", optimizerArchive);
  }
  archive.write(kStateKey, c10::IValue(state.dump()));
  replaceFileAtomically(path, [&](const std::string& temp) { archive.save_to(temp); });
}

std::string openCheckpoint(torch::serialize::InputArchive& archive, const std::string& path,
                           const std::string& whenDamaged) {
  try {
    archive.load_from(path);
  } catch (const c10::Error&) {
    throw UserError(path + whenDamaged);
  }
  c10::IValue stateValue;
  if (!archive.try_read(kStateKey, stateValue) || !stateValue.isString())
    throw UserError(path + ": this file is not a FineTune Studio checkpoint");
  return stateValue.toStringRef();
}

nlohmann::json loadCheckpoint(const std::string& path, torch::nn::Module& model,
                              torch::optim::Optimizer* optimizer) {
  torch::serialize::InputArchive archive;
  const std::string state =
      openCheckpoint(archive, path,
                     ": not a readable FineTune Studio checkpoint (truncated or damaged). "
                     "Resume from another run, or start the run again");
  readModelState(archive, model, path, /*skipMismatchedHead=*/false);
  if (optimizer) {
    torch::serialize::InputArchive optimizerArchive;
    if (!archive.try_read("optimizer", optimizerArchive))
      throw UserError(path + ": the checkpoint holds no optimiser state, so it cannot be resumed");
    try {
      optimizer->load(optimizerArchive);
    } catch (const c10::Error& e) {
      throw UserError(path + ": the optimiser state does not fit this run's optimiser");
    }
  }
  return nlohmann::json::parse(state);
}

}  // namespace ft::run
