//===- CallStackIdsTest.cpp - Interning call stacks, describing sites -----===//

#include "terra/Trace/CallStackIds.h"
#include "terra/Trace/SourceLocations.h"

#include "TraceBuilder.h"

#include <gtest/gtest.h>

using namespace terra::trace;
using namespace terra::trace::testing;

TEST(CallStackIds, SameCallerSiteGivesSameId) {
  CallStackIds ids;
  CallStackId a = ids.enter(line(10));
  CallStackId again = ids.enter(line(10));
  EXPECT_EQ(a, again);
  EXPECT_NE(a, kRootCallStack);
  EXPECT_EQ(ids.size(), 2u);
  EXPECT_EQ(ids.parent(a), kRootCallStack);
  EXPECT_EQ(ids.callerSite(a), line(10));
}

TEST(CallStackIds, DifferentCallersGiveDifferentIds) {
  CallStackIds ids;
  CallStackId fromTen = ids.enter(line(10));
  CallStackId fromTwenty = ids.enter(line(20));
  EXPECT_NE(fromTen, fromTwenty);
  // The same line one level deeper, under each caller: distinct stacks.
  CallStackId deepA = ids.enter(line(5, fromTen));
  CallStackId deepB = ids.enter(line(5, fromTwenty));
  EXPECT_NE(deepA, deepB);
  EXPECT_EQ(ids.depth(deepA), 2u);
  EXPECT_EQ(ids.parent(deepB), fromTwenty);
  EXPECT_EQ(ids.enter(line(5, fromTen)), deepA);
}

TEST(CallStackIds, BackwardStackCombinesBackwardCallAndForwardSite) {
  CallStackIds ids;
  CallStackId layer = ids.enter(line(30));
  Site forward = line(7, layer);
  CallStackId backward = ids.child(ids.enter(line(40)), forward);
  EXPECT_NE(backward, layer);
  EXPECT_EQ(ids.child(ids.enter(line(40)), forward), backward);
  EXPECT_NE(ids.child(ids.enter(line(41)), forward), backward);
}

TEST(SourceLocations, DescribesSiteWithCallers) {
  CallStackIds ids;
  SourceLocations locations = trainPyLocations();
  locations.add(0x2000, 8, {"model.py", 4, "forward"});
  CallStackId outer = ids.enter(line(90));
  CallStackId inner = ids.enter(line(12, outer));
  Site site{0x2000, 8, inner, 0};
  EXPECT_EQ(locations.describe(site), "model.py:4");
  EXPECT_EQ(locations.describe(site, &ids),
            "model.py:4 (from train.py:12 <- train.py:90)");
  EXPECT_EQ(locations.describe(Site{0xabc, 6, 0, 0}), "code 0xabc+6");
}
