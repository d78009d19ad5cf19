#pragma once
// A tiny HTTP/1.1 server on 127.0.0.1 for the download tests (engine and model page): serves
// registered paths one connection at a time, can cut a body short or send it slowly, answers
// 404 otherwise. Nothing leaves the machine.
#include <atomic>
#include <cstddef>
#include <map>
#include <mutex>
#include <string>
#include <thread>

namespace ft::test {

class LoopbackServer {
 public:
  struct Response {
    std::string body;
    std::size_t sendOnly = std::string::npos;  // close the connection after this many body bytes
    int chunkDelayMs = 0;                      // pause between 16 KiB chunks
  };

  LoopbackServer();  // listens on a free port; throws std::runtime_error when it cannot
  ~LoopbackServer();
  LoopbackServer(const LoopbackServer&) = delete;
  LoopbackServer& operator=(const LoopbackServer&) = delete;

  void add(const std::string& path, Response response);
  // "http://127.0.0.1:<port>/models", torchvision's layout under download.pytorch.org.
  std::string baseUrl() const;
  int requests() const { return m_requests; }

 private:
  void serve();
  void handle(int client);

  int m_socket = -1;
  int m_port = 0;
  std::thread m_thread;
  std::atomic<bool> m_stop{false};
  std::atomic<int> m_requests{0};
  std::mutex m_mutex;
  std::map<std::string, Response> m_responses;
};

// A loopback port nothing listens on (bound, then closed).
int closedPort();
// `n` seeded pseudo-random bytes, and their SHA-256 in hex (the weights' name prefix).
std::string randomBytes(std::size_t n, unsigned seed);
std::string sha256Hex(const std::string& bytes);

}  // namespace ft::test
