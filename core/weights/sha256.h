#pragma once
// SHA-256 (OpenSSL's libcrypto), streaming and for whole files.
#include <cstddef>
#include <string>

namespace ft::weights {

class Sha256 {
 public:
  Sha256();
  ~Sha256();
  Sha256(const Sha256&) = delete;
  Sha256& operator=(const Sha256&) = delete;

  void update(const void* data, std::size_t size);
  std::string hexDigest();  // 64 lowercase hex digits; call once

 private:
  void* m_context;
};

// Lowercase hex digest of the file's bytes. Throws ft::UserError naming the file.
std::string sha256OfFile(const std::string& path);

// True when `hexDigest` starts with `prefix` (case-insensitive), torch.hub's check_hash rule.
bool digestMatches(const std::string& hexDigest, const std::string& prefix);

}  // namespace ft::weights
