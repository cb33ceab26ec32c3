#include "risk/event_window.h"

#include <gtest/gtest.h>

namespace phoenix::risk {
namespace {

TEST(EventWindowTest, CountsEventsInsideTheWindow) {
  EventWindow w(1000, 4);
  EXPECT_EQ(w.count(0), 0u);
  w.record(100);
  w.record(200);
  w.record(300);
  EXPECT_EQ(w.count(300), 3u);
  EXPECT_EQ(w.count(1099), 3u);
  EXPECT_EQ(w.count(1100), 2u);  // the event at 100 left at exactly 100 + window
  EXPECT_EQ(w.count(1300), 0u);
  EXPECT_EQ(w.oldest_inside(1150), 200);
}

TEST(EventWindowTest, KeepsOnlyCapacityEvents) {
  EventWindow w(1000, 2);
  w.record(1);
  w.record(2);
  w.record(3);
  EXPECT_EQ(w.count(3), 2u);
  EXPECT_EQ(w.oldest_inside(3), 2);
}

TEST(EventWindowTest, TimeGoingBackwardsIsClamped) {
  EventWindow w(1000, 3);
  w.record(500);
  w.record(400);
  EXPECT_EQ(w.count(1499), 2u);
  EXPECT_EQ(w.count(1500), 0u);
}

TEST(EventWindowTest, BadArgumentsThrow) {
  EXPECT_THROW(EventWindow(0, 1), std::invalid_argument);
  EXPECT_THROW(EventWindow(1, 0), std::invalid_argument);
}

}  // namespace
}  // namespace phoenix::risk
