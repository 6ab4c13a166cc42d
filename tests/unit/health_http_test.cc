// bamort-health's connection budget (which connection goes when the caps are reached) and
// its HTTP wire functions (finding and parsing a request head, the framing checks, the
// answer's bytes). No sockets.
#include <gtest/gtest.h>

#include "health/connection_budget.h"
#include "health/http_wire.h"

namespace bamort {
namespace {

TEST(HealthConnectionBudget, PerClientCapClosesThatClientsOldestWaitingConnection) {
  ConnectionBudget budget(100, 2);
  std::vector<int> evict;
  ASSERT_TRUE(budget.Admit(1, "a", &evict));
  ASSERT_TRUE(budget.Admit(2, "b", &evict));
  ASSERT_TRUE(budget.Admit(3, "a", &evict));
  EXPECT_TRUE(evict.empty());
  ASSERT_TRUE(budget.Admit(4, "a", &evict));
  EXPECT_EQ(evict, std::vector<int>({1}));  // a's oldest, not b's
  EXPECT_EQ(budget.of_client("a"), 2u);
  EXPECT_EQ(budget.of_client("b"), 1u);
  EXPECT_EQ(budget.total(), 3u);
}

TEST(HealthConnectionBudget, TotalCapClosesTheOldestWaitingOfAnyone) {
  ConnectionBudget budget(3, 10);
  std::vector<int> evict;
  budget.Admit(1, "a", &evict);
  budget.Admit(2, "b", &evict);
  budget.Admit(3, "c", &evict);
  ASSERT_TRUE(budget.Admit(4, "d", &evict));
  EXPECT_EQ(evict, std::vector<int>({1}));
  EXPECT_EQ(budget.total(), 3u);
  EXPECT_EQ(budget.of_client("a"), 0u);
}

TEST(HealthConnectionBudget, BusyConnectionsAreNeverClosedAndAFullBusyBudgetRefuses) {
  ConnectionBudget budget(2, 10);
  std::vector<int> evict;
  budget.Admit(1, "a", &evict);
  budget.Admit(2, "a", &evict);
  budget.SetBusy(1);
  ASSERT_TRUE(budget.Admit(3, "a", &evict));
  EXPECT_EQ(evict, std::vector<int>({2}));  // 1 is busy although older
  evict.clear();
  budget.SetBusy(3);
  EXPECT_FALSE(budget.Admit(4, "b", &evict));
  EXPECT_TRUE(evict.empty());
  EXPECT_EQ(budget.total(), 2u);
  // Back to waiting it is the newest waiting one: another idle one would go first.
  budget.SetWaiting(1);
  budget.Remove(3);
  ASSERT_TRUE(budget.Admit(5, "b", &evict));
  ASSERT_TRUE(budget.Admit(6, "c", &evict));
  EXPECT_EQ(evict, std::vector<int>({1}));
}

TEST(HealthHttpWire, FindsTheEndOfAHeadWithCrlfOrLfAndSkipsLeadingEmptyLines) {
  size_t start = 0;
  EXPECT_EQ(FindRequestHeadEnd("GET / HTTP/1.1\r\nHost: x\r\n", &start), 0u);
  std::string crlf = "GET / HTTP/1.1\r\nHost: x\r\n\r\nNEXT";
  EXPECT_EQ(FindRequestHeadEnd(crlf, &start), crlf.size() - 4);
  EXPECT_EQ(start, 0u);
  std::string lf = "\r\n\r\nGET / HTTP/1.0\n\n";
  EXPECT_EQ(FindRequestHeadEnd(lf, &start), lf.size());
  EXPECT_EQ(start, 4u);
  EXPECT_EQ(FindRequestHeadEnd("\r\n\r\n", &start), 0u);
}

Status Parse(const std::string& head) {
  Poco::Net::HTTPRequest r;
  return ParseRequestHead(head, &r);
}

TEST(HealthHttpWire, ParsesAWellFormedHead) {
  Poco::Net::HTTPRequest r;
  ASSERT_TRUE(ParseRequestHead("GET /api/system/health?x=1 HTTP/1.1\r\nHost: a\r\nContent-Length: 0\r\n\r\n", &r).ok());
  EXPECT_EQ(r.getMethod(), "GET");
  EXPECT_EQ(r.getURI(), "/api/system/health?x=1");
  EXPECT_TRUE(WantsKeepAlive(r));
}

TEST(HealthHttpWire, DuplicateNegativeOrGarbageContentLengthIsBadInput) {
  for (const char* head : {"GET / HTTP/1.1\r\nContent-Length: 0\r\nContent-Length: 5\r\n\r\n",
                           "GET / HTTP/1.1\r\nContent-Length: 0\r\ncontent-length: 0\r\n\r\n",
                           "GET / HTTP/1.1\r\nContent-Length: -1\r\n\r\n",
                           "GET / HTTP/1.1\r\nContent-Length: +5\r\n\r\n",
                           "GET / HTTP/1.1\r\nContent-Length: 1e3\r\n\r\n",
                           "GET / HTTP/1.1\r\nContent-Length: 99999999999999999999\r\n\r\n",
                           "GET / HTTP/1.1\r\nContent-Length: \r\n\r\n",
                           "GET / HTTP/1.1\r\nContent-Length: 0\r\nTransfer-Encoding: chunked\r\n\r\n"}) {
    Status s = Parse(head);
    EXPECT_EQ(s.code(), StatusCode::kBadInput) << head;
  }
  EXPECT_NE(Parse("GET / HTTP/1.1\r\nContent-Length: -1\r\n\r\n").message().find("Content-Length"), std::string::npos);
  EXPECT_NE(Parse("GET / HTTP/1.1\r\nContent-Length: 1\r\nContent-Length: 1\r\n\r\n").message().find("more than one"),
            std::string::npos);
}

TEST(HealthHttpWire, MalformedHeadsAreBadInput) {
  for (const char* head : {"HELLO THERE\r\n\r\n", "GET / HTTP/2.0\r\n\r\n", "GET / FTP/1.0\r\n\r\n",
                           "GET / HTTP/1.1\r\nNo colon here\r\n\r\n", "GET / HTTP/1.1\r\nHost : x\r\n\r\n",
                           "GET / HTTP/1.1\r\nHost: x\r\n folded\r\n\r\n", "GET / HTTP/1.1\r\n: x\r\n\r\n"}) {
    EXPECT_EQ(Parse(head).code(), StatusCode::kBadInput) << head;
  }
  std::string many = "GET / HTTP/1.1\r\n";
  for (int i = 0; i < 150; ++i) many += "X-" + std::to_string(i) + ": y\r\n";
  EXPECT_EQ(Parse(many + "\r\n").code(), StatusCode::kBadInput);
}

TEST(HealthHttpWire, KeepAliveFollowsVersionAndConnectionField) {
  Poco::Net::HTTPRequest r;
  ASSERT_TRUE(ParseRequestHead("GET / HTTP/1.1\r\nConnection: close\r\n\r\n", &r).ok());
  EXPECT_FALSE(WantsKeepAlive(r));
  Poco::Net::HTTPRequest r10;
  ASSERT_TRUE(ParseRequestHead("GET / HTTP/1.0\r\n\r\n", &r10).ok());
  EXPECT_FALSE(WantsKeepAlive(r10));
  Poco::Net::HTTPRequest r10k;
  ASSERT_TRUE(ParseRequestHead("GET / HTTP/1.0\r\nConnection: Keep-Alive\r\n\r\n", &r10k).ok());
  EXPECT_TRUE(WantsKeepAlive(r10k));
}

TEST(HealthHttpWire, AnswerHasLengthAndConnectionAndHeadLeavesTheBodyOut) {
  HttpAnswer a = ErrorAnswer(404, "no such endpoint");
  a.headers.push_back({"Access-Control-Allow-Origin", "*"});
  std::string get = FormatAnswer(a, false, true);
  EXPECT_EQ(get.rfind("HTTP/1.1 404 Not Found\r\n", 0), 0u) << get;
  EXPECT_NE(get.find("Content-Length: " + std::to_string(a.body.size()) + "\r\n"), std::string::npos) << get;
  EXPECT_NE(get.find("Connection: Keep-Alive\r\n"), std::string::npos) << get;
  EXPECT_NE(get.find("Access-Control-Allow-Origin: *\r\n"), std::string::npos) << get;
  EXPECT_EQ(get.substr(get.size() - a.body.size()), a.body);
  std::string head = FormatAnswer(a, true, false);
  EXPECT_NE(head.find("Connection: Close\r\n"), std::string::npos) << head;
  EXPECT_EQ(head.substr(head.size() - 4), "\r\n\r\n");
  EXPECT_NE(head.find("Content-Length: " + std::to_string(a.body.size()) + "\r\n"), std::string::npos);
}

}  // namespace
}  // namespace bamort
