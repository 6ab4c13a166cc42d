// BlockQueue (common/block_queue.h): blocks arrive in order, a full queue holds the producer
// back, and a consumer that gives up releases a producer that waits for room.
#include "common/block_queue.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "common/joining_thread.h"

namespace bamort {
namespace {

TEST(BlockQueue, BlocksArriveInOrderAndPopEndsAfterClose) {
  BlockQueue queue(2);
  std::vector<std::string> got;
  {
    JoiningThread consumer([&] {
      std::string block;
      while (queue.Pop(&block)) got.push_back(block);
    });
    for (int i = 0; i < 100; ++i) ASSERT_TRUE(queue.Push(std::to_string(i)));
    queue.Close();
  }
  ASSERT_EQ(got.size(), 100u);
  for (int i = 0; i < 100; ++i) EXPECT_EQ(got[static_cast<size_t>(i)], std::to_string(i));
}

TEST(BlockQueue, AnAbandonedQueueReleasesTheProducerAndRefusesMore) {
  BlockQueue queue(1);
  ASSERT_TRUE(queue.Push(std::string("first")));  // full now
  bool second = true;
  {
    JoiningThread producer([&] { second = queue.Push(std::string("second")); });  // waits for room
    queue.Abandon();
  }
  EXPECT_FALSE(second);
  EXPECT_FALSE(queue.Push(std::string_view("third")));
  std::string block;
  EXPECT_FALSE(queue.Pop(&block));
}

}  // namespace
}  // namespace bamort
