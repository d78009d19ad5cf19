#pragma once
// Files that must survive a crash are written to a temporary name, flushed, then renamed.
#include <functional>
#include <optional>
#include <string>

namespace ft {

// Writes `content` to `path` atomically. Throws ft::UserError naming the file (disk full,
// permission) and leaves any previous file at `path` untouched.
void writeFileAtomically(const std::string& path, const std::string& content);
// Calls `write(tempPath)` to produce the file, fsyncs it, then renames it over `path`.
void replaceFileAtomically(const std::string& path,
                           const std::function<void(const std::string& tempPath)>& write);

// `message` with every `from` reading `to`, so an error about a temporary names the file the
// user asked for. std::nullopt when `message` does not mention `from`.
std::optional<std::string> withPathReplaced(std::string message, const std::string& from,
                                            const std::string& to);

}  // namespace ft
