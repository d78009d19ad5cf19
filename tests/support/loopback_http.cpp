#include "loopback_http.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <random>
#include <stdexcept>

#include "weights/sha256.h"

namespace ft::test {
namespace {

bool sendAll(int client, const std::string& data) {
  std::size_t sent = 0;
  while (sent < data.size()) {
    const ssize_t n = ::send(client, data.data() + sent, data.size() - sent, MSG_NOSIGNAL);
    if (n <= 0) return false;
    sent += std::size_t(n);
  }
  return true;
}

}  // namespace

LoopbackServer::LoopbackServer() {
  m_socket = ::socket(AF_INET, SOCK_STREAM, 0);
  int yes = 1;
  ::setsockopt(m_socket, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof yes);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  address.sin_port = 0;  // any free port
  if (::bind(m_socket, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0 ||
      ::listen(m_socket, 8) != 0)
    throw std::runtime_error("loopback server: cannot listen");
  socklen_t length = sizeof address;
  ::getsockname(m_socket, reinterpret_cast<sockaddr*>(&address), &length);
  m_port = ntohs(address.sin_port);
  m_thread = std::thread([this] { serve(); });
}

LoopbackServer::~LoopbackServer() {
  m_stop = true;
  m_thread.join();
  ::close(m_socket);
}

void LoopbackServer::add(const std::string& path, Response response) {
  std::lock_guard<std::mutex> lock(m_mutex);
  m_responses[path] = std::move(response);
}

std::string LoopbackServer::baseUrl() const {
  return "http://127.0.0.1:" + std::to_string(m_port) + "/models";
}

void LoopbackServer::serve() {
  while (!m_stop) {
    pollfd p{m_socket, POLLIN, 0};
    if (::poll(&p, 1, 50) <= 0) continue;
    const int client = ::accept(m_socket, nullptr, nullptr);
    if (client < 0) continue;
    handle(client);
    ::close(client);
  }
}

void LoopbackServer::handle(int client) {
  std::string request;
  char buffer[4096];
  while (request.find("\r\n\r\n") == std::string::npos && request.size() < 65536) {
    const ssize_t n = ::recv(client, buffer, sizeof buffer, 0);
    if (n <= 0) return;
    request.append(buffer, std::size_t(n));
  }
  ++m_requests;
  const auto start = request.find(' ') + 1;
  const std::string path = request.substr(start, request.find(' ', start) - start);
  Response response;
  bool found = false;
  {
    std::lock_guard<std::mutex> lock(m_mutex);
    const auto it = m_responses.find(path);
    if (it != m_responses.end()) {
      response = it->second;
      found = true;
    }
  }
  if (!found) {
    sendAll(client, "HTTP/1.1 404 Not Found\r\nContent-Length: 9\r\nConnection: close\r\n\r\nnot found");
    return;
  }
  sendAll(client, "HTTP/1.1 200 OK\r\nContent-Type: application/octet-stream\r\nContent-Length: " +
                      std::to_string(response.body.size()) + "\r\nConnection: close\r\n\r\n");
  const std::size_t total = std::min(response.sendOnly, response.body.size());
  for (std::size_t at = 0; at < total && !m_stop; at += 16384) {
    if (!sendAll(client, response.body.substr(at, std::min<std::size_t>(16384, total - at)))) return;
    if (response.chunkDelayMs > 0)
      std::this_thread::sleep_for(std::chrono::milliseconds(response.chunkDelayMs));
  }
}

// A port nothing listens on: bound, then closed.
int closedPort() {
  const int s = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ::bind(s, reinterpret_cast<sockaddr*>(&address), sizeof address);
  socklen_t length = sizeof address;
  ::getsockname(s, reinterpret_cast<sockaddr*>(&address), &length);
  ::close(s);
  return ntohs(address.sin_port);
}

std::string randomBytes(std::size_t n, unsigned seed) {
  std::mt19937 rng(seed);
  std::string out(n, '\0');
  for (auto& c : out) c = char(rng() & 0xff);
  return out;
}

std::string sha256Hex(const std::string& bytes) {
  ft::weights::Sha256 hash;
  hash.update(bytes.data(), bytes.size());
  return hash.hexDigest();
}

}  // namespace ft::test
