#pragma once
// HTTP(S) downloads with libcurl for weights files: progress, cancel, SHA-256 check, and never a
// partial or corrupt file at the destination (temporary name, verify, then rename).
#include <atomic>
#include <cstdint>
#include <functional>
#include <string>

#include "common/error.h"

namespace ft::weights {

struct DownloadOptions {
  // Called on the downloading thread as bytes arrive; total is -1 while unknown.
  std::function<void(std::int64_t received, std::int64_t total)> progress;
  // Set to true (from any thread) to stop; the download then throws DownloadCancelled.
  const std::atomic<bool>* cancel = nullptr;
  long connectTimeoutSeconds = 15;
  long stallSeconds = 60;  // give up when nothing arrives for this long
};

// The user stopped the download; nothing was saved.
class DownloadCancelled : public UserError {
 public:
  using UserError::UserError;
};

// The server could not be reached or answered with an error (offline, proxy, HTTP 404, ...).
class DownloadFailed : public UserError {
 public:
  using UserError::UserError;
};

// Downloads `url` (http or https only) to `destination`. The SHA-256 of the bytes must start
// with `sha256Prefix` (torch.hub's rule; at least 8 hex digits). Throws DownloadCancelled,
// DownloadFailed, or ft::UserError (checksum, disk); in every case `destination` is unchanged.
void downloadFile(const std::string& url, const std::string& destination, const std::string& sha256Prefix,
                  const DownloadOptions& options = {});

}  // namespace ft::weights
