#include "run/checkpoint.h"

#include <filesystem>
#include <sstream>

#include "common/atomic_file.h"
#include "common/error.h"
#include "models/classifier.h"
#include "weights/mapped_file.h"
#include "weights/zip_archive.h"

namespace ft::run {
namespace {

const char* kStateKey = "finetune_state";

std::string shapeText(const torch::Tensor& t) {
  std::ostringstream out;
  out << t.sizes();
  return out.str();
}

// Whether TorchScript source declares a method or function ("def" as a word at a line's start).
bool declaresCode(const weights::ByteView& source) {
  const std::string text(reinterpret_cast<const char*>(source.data()), source.size());
  std::size_t line = 0;
  while (line < text.size()) {
    std::size_t first = text.find_first_not_of(" \t", line);
    if (first != std::string::npos && text.compare(first, 4, "def ") == 0) return true;
    const std::size_t end = text.find('\n', line);
    if (end == std::string::npos) break;
    line = end + 1;
  }
  return false;
}

}  // namespace

void checkArchive(const std::string& path, const std::string& whenDamaged) {
  weights::MappedFile file(path);
  try {
    weights::ZipReader zip(file.bytes());
    for (const auto& entry : zip.entries()) {
      const auto bytes = zip.read(entry);  // CRC-checked
      const auto& name = entry.name;
      const bool source = name.find("/code/") != std::string::npos && name.size() > 3 &&
                          name.compare(name.size() - 3, 3, ".py") == 0;
      if (source && declaresCode(bytes))
        throw UserError(path + ": holds TorchScript code (" + name +
                        "), which FineTune Studio never runs: loading it could execute anything. Use a "
                        ".pth state dict or .safetensors file, or a .pt that FineTune Studio exported");
    }
  } catch (const weights::FormatError& e) {
    throw UserError(path + whenDamaged + " [" + e.what() + "]");
  }
}

// Into memory, then to disk through writeFileAtomically: LibTorch's own file writer cannot
// report a full disk (its destructor throws and the process aborts, leaving the temporary).
std::string serializedArchive(torch::serialize::OutputArchive& archive) {
  std::string bytes;
  archive.save_to([&bytes](const void* data, std::size_t size) {
    bytes.append(static_cast<const char*>(data), size);
    return size;
  });
  return bytes;
}

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
  writeFileAtomically(path, serializedArchive(archive));
}

std::string openCheckpoint(torch::serialize::InputArchive& archive, const std::string& path,
                           const std::string& whenDamaged) {
  checkArchive(path, whenDamaged);
  try {
    archive.load_from(path);
  } catch (const std::exception&) {  // c10::Error, and torch::jit::ErrorReport from its type parser
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
    } catch (const std::exception& e) {
      throw UserError(path + ": the optimiser state does not fit this run's optimiser");
    }
  }
  try {
    return nlohmann::json::parse(state);
  } catch (const nlohmann::json::exception&) {
    throw UserError(path + ": the run state stored in the checkpoint is damaged. Resume from another "
                           "checkpoint of the run, or start the run again");
  }
}

std::vector<std::string> removeStaleTemporaries(const std::string& dir) {
  namespace fs = std::filesystem;
  std::vector<std::string> removed;
  for (const auto& folder : {fs::path(dir), fs::path(dir) / "checkpoints", fs::path(dir) / "exports"}) {
    std::error_code error;
    for (fs::directory_iterator it(folder, error), end; !error && it != end; it.increment(error)) {
      const std::string name = it->path().filename().string();
      const auto at = name.rfind(".tmp-");
      std::error_code fileError;
      if (at == std::string::npos || at == 0 || !it->is_regular_file(fileError)) continue;
      const std::string pid = name.substr(at + 5);
      if (pid.empty() || pid.find_first_not_of("0123456789") != std::string::npos) continue;
      const auto bytes = fs::file_size(it->path(), fileError);
      const std::string size = fileError ? std::string() : " (" + std::to_string(bytes) + " bytes)";
      if (fs::remove(it->path(), fileError))
        removed.push_back(it->path().string() + size + ", left by an interrupted write");
    }
  }
  return removed;
}

}  // namespace ft::run
