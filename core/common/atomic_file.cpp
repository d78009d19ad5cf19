#include "common/atomic_file.h"

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fcntl.h>
#include <unistd.h>

#include "common/error.h"

namespace ft {
namespace {

void syncFile(const std::string& path) {
  const int fd = ::open(path.c_str(), O_RDONLY);
  if (fd < 0) throw UserError(path + ": cannot reopen to flush: " + std::strerror(errno));
  const int rc = ::fsync(fd);
  const int err = errno;
  ::close(fd);
  if (rc != 0) throw UserError(path + ": cannot flush to disk: " + std::strerror(err));
}

// The rename itself reaches the disk only with its folder: without this a power cut right
// after "saved" can still leave the old file (or none). Filesystems that cannot sync a folder
// say EINVAL; that is not an error here.
void syncParentFolder(const std::string& path) {
  auto parent = std::filesystem::path(path).parent_path();
  if (parent.empty()) parent = ".";
  const int fd = ::open(parent.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return;
  ::fsync(fd);
  ::close(fd);
}

}  // namespace

std::optional<std::string> withPathReplaced(std::string message, const std::string& from,
                                            const std::string& to) {
  if (from.empty() || message.find(from) == std::string::npos) return std::nullopt;
  for (auto at = message.find(from); at != std::string::npos; at = message.find(from, at + to.size()))
    message.replace(at, from.size(), to);
  return message;
}

void replaceFileAtomically(const std::string& path,
                           const std::function<void(const std::string& tempPath)>& write) {
  const std::string temp = path + ".tmp-" + std::to_string(::getpid());
  try {
    write(temp);
    syncFile(temp);
  } catch (const UserError& e) {
    std::remove(temp.c_str());
    // The user asked for `path`: a message about the temporary (a full disk while writing it)
    // names that file. Other errors pass on as they are (with their own type).
    auto message = withPathReplaced(e.what(), temp, path);
    if (!message) throw;
    throw UserError(*message);
  } catch (const std::exception& e) {
    std::remove(temp.c_str());
    throw UserError(path + ": could not be written (" + e.what() +
                    "); check free disk space and permissions. The previous file is unchanged.");
  }
  if (std::rename(temp.c_str(), path.c_str()) != 0) {
    const int err = errno;
    std::remove(temp.c_str());
    throw UserError(path + ": could not be replaced: " + std::strerror(err));
  }
  syncParentFolder(path);
}

void writeFileAtomically(const std::string& path, const std::string& content) {
  replaceFileAtomically(path, [&](const std::string& temp) {
    const int fd = ::open(temp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0)
      throw UserError(temp + ": cannot create: " + std::strerror(errno) +
                      "; check that the folder exists and is writable");
    // Every byte checked: a full disk (ENOSPC), a quota or a file-size limit (EFBIG) surface
    // here as an error naming the file, never later as a torn file.
    std::size_t done = 0;
    int err = 0;
    while (done < content.size()) {
      const ssize_t n = ::write(fd, content.data() + done, content.size() - done);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) {
        err = n < 0 ? errno : ENOSPC;
        break;
      }
      done += std::size_t(n);
    }
    if (err == 0 && ::fsync(fd) != 0) err = errno;
    if (::close(fd) != 0 && err == 0) err = errno;
    if (err != 0)
      throw UserError(
          path + ": writing failed (" + std::strerror(err) +
          "); the disk may be full. Free some space and try again; the previous file is unchanged.");
  });
}

}  // namespace ft
