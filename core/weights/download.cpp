#include "weights/download.h"

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <mutex>

#include <curl/curl.h>

#include "common/atomic_file.h"
#include "weights/sha256.h"

namespace ft::weights {
namespace {

struct Transfer {
  std::FILE* file = nullptr;
  Sha256 hash;
  const DownloadOptions* options = nullptr;
  std::int64_t received = 0;
  std::int64_t reported = -1;
  bool writeFailed = false;

  bool cancelled() const { return options->cancel && options->cancel->load(); }
};

std::size_t onData(char* data, std::size_t size, std::size_t count, void* user) {
  auto* t = static_cast<Transfer*>(user);
  const std::size_t n = size * count;
  if (t->cancelled()) return 0;  // curl stops with CURLE_WRITE_ERROR
  if (std::fwrite(data, 1, n, t->file) != n) {
    t->writeFailed = true;
    return 0;
  }
  t->hash.update(data, n);
  t->received += std::int64_t(n);
  return n;
}

int onProgress(void* user, curl_off_t total, curl_off_t now, curl_off_t, curl_off_t) {
  auto* t = static_cast<Transfer*>(user);
  if (t->cancelled()) return 1;  // curl stops with CURLE_ABORTED_BY_CALLBACK
  if (t->options->progress && std::int64_t(now) != t->reported) {
    t->reported = std::int64_t(now);
    t->options->progress(std::int64_t(now), total > 0 ? std::int64_t(total) : -1);
  }
  return 0;
}

void initialiseCurl() {
  static std::once_flag once;
  std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
}

}  // namespace

void downloadFile(const std::string& url, const std::string& destination, const std::string& sha256Prefix,
                  const DownloadOptions& options) {
  if (sha256Prefix.size() < 8)
    throw UserError("download of " + url + ": a SHA-256 prefix of at least 8 hex digits is required");
  initialiseCurl();
  replaceFileAtomically(destination, [&](const std::string& temp) {
    Transfer transfer;
    transfer.options = &options;
    transfer.file = std::fopen(temp.c_str(), "wb");
    if (!transfer.file)
      throw UserError(temp + ": cannot create (" + std::strerror(errno) +
                      "); check that the folder is writable");

    CURL* curl = curl_easy_init();
    if (!curl) {
      std::fclose(transfer.file);
      throw UserError("cannot start libcurl");
    }
    char error[CURL_ERROR_SIZE] = {0};
    curl_easy_setopt(curl, CURLOPT_URL, url.c_str());
#if LIBCURL_VERSION_NUM >= 0x075500
    curl_easy_setopt(curl, CURLOPT_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(curl, CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
#else
    curl_easy_setopt(curl, CURLOPT_PROTOCOLS, long(CURLPROTO_HTTP | CURLPROTO_HTTPS));
    curl_easy_setopt(curl, CURLOPT_REDIR_PROTOCOLS, long(CURLPROTO_HTTP | CURLPROTO_HTTPS));
#endif
    curl_easy_setopt(curl, CURLOPT_FOLLOWLOCATION, 1L);
    curl_easy_setopt(curl, CURLOPT_MAXREDIRS, 10L);
    curl_easy_setopt(curl, CURLOPT_FAILONERROR, 1L);
    curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(curl, CURLOPT_USERAGENT, "FineTune-Studio");
    curl_easy_setopt(curl, CURLOPT_CONNECTTIMEOUT, options.connectTimeoutSeconds);
    curl_easy_setopt(curl, CURLOPT_LOW_SPEED_LIMIT, 1L);
    curl_easy_setopt(curl, CURLOPT_LOW_SPEED_TIME, options.stallSeconds);
    curl_easy_setopt(curl, CURLOPT_ERRORBUFFER, error);
    curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, onData);
    curl_easy_setopt(curl, CURLOPT_WRITEDATA, &transfer);
    curl_easy_setopt(curl, CURLOPT_XFERINFOFUNCTION, onProgress);
    curl_easy_setopt(curl, CURLOPT_XFERINFODATA, &transfer);
    curl_easy_setopt(curl, CURLOPT_NOPROGRESS, 0L);
    const CURLcode rc = curl_easy_perform(curl);
    long status = 0;
    curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &status);
    curl_easy_cleanup(curl);
    const bool closed = std::fclose(transfer.file) == 0;

    if (transfer.cancelled())
      throw DownloadCancelled("the download of " + url + " was cancelled; nothing was saved");
    if (transfer.writeFailed || !closed)
      throw UserError(temp + ": writing the download failed (" + std::strerror(errno) +
                      "); the disk may be full");
    if (rc != CURLE_OK) {
      const std::string reason = error[0] ? std::string(error) : curl_easy_strerror(rc);
      throw DownloadFailed("could not download " + url + " (" + reason + ")");
    }
    if (status != 200 && status != 0)
      throw DownloadFailed("could not download " + url + " (the server answered HTTP " +
                           std::to_string(status) + ")");
    const std::string digest = transfer.hash.hexDigest();
    if (!digestMatches(digest, sha256Prefix))
      throw UserError("the file downloaded from " + url +
                      " is damaged or not the expected one: its SHA-256 begins " +
                      digest.substr(0, sha256Prefix.size()) + ", expected " + sha256Prefix +
                      ". Nothing was saved; try again later");
    if (options.progress) options.progress(transfer.received, transfer.received);
  });
}

}  // namespace ft::weights
