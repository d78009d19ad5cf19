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

}  // namespace

void replaceFileAtomically(const std::string& path,
                           const std::function<void(const std::string& tempPath)>& write) {
  const std::string temp = path + ".tmp-" + std::to_string(::getpid());
  try {
    write(temp);
    syncFile(temp);
  } catch (const UserError&) {
    std::remove(temp.c_str());
    throw;
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
}

void writeFileAtomically(const std::string& path, const std::string& content) {
  replaceFileAtomically(path, [&](const std::string& temp) {
    std::FILE* file = std::fopen(temp.c_str(), "wb");
    if (!file)
      throw UserError(temp + ": cannot create: " + std::strerror(errno) +
                      "; check that the folder exists and is writable");
    const std::size_t written = std::fwrite(content.data(), 1, content.size(), file);
    const int err = errno;
    const bool closed = std::fclose(file) == 0;
    if (written != content.size() || !closed)
      throw UserError(path + ": writing failed (" + std::strerror(err) +
                      "); the disk may be full. The previous file is unchanged.");
  });
}

}  // namespace ft
