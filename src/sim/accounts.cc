#include "sim/accounts.h"

#include <cassert>
#include <limits>
#include <utility>

#include "core/decimal.h"

namespace phoenix::sim {

core::Result<AssetId> Accounts::add_asset(AssetSpec spec) {
  if (spec.scale < 0 || spec.scale > core::kMaxScale) {
    return core::Error{core::ErrorCode::kOutOfRange, "asset scale out of range: " + spec.name};
  }
  if (find_asset(spec.name))
    return core::Error{core::ErrorCode::kInvalidArgument, "duplicate asset " + spec.name};
  assets_.push_back(std::move(spec));
  for (auto& [account, row] : balances_) row.resize(assets_.size());
  return assets_.size() - 1;
}

std::optional<AssetId> Accounts::find_asset(std::string_view name) const {
  for (AssetId i = 0; i < assets_.size(); ++i) {
    if (assets_[i].name == name) return i;
  }
  return std::nullopt;
}

Balance& Accounts::slot(AccountId account, AssetId asset) {
  assert(asset < assets_.size());
  auto& row = balances_[account];
  if (row.size() < assets_.size()) row.resize(assets_.size());
  return row[asset];
}

core::Status Accounts::deposit(AccountId account, AssetId asset, int64_t units) {
  if (asset >= assets_.size()) return core::Error{core::ErrorCode::kNotFound, "unknown asset"};
  if (units < 0) return core::Error{core::ErrorCode::kInvalidArgument, "negative deposit"};
  Balance& b = slot(account, asset);
  if (b.free_units > std::numeric_limits<int64_t>::max() - units - b.locked_units) {
    return core::Error{core::ErrorCode::kOverflow, "deposit overflows balance"};
  }
  b.free_units += units;
  return {};
}

bool Accounts::lock(AccountId account, AssetId asset, int64_t units) {
  assert(units >= 0);
  Balance& b = slot(account, asset);
  if (b.free_units < units) return false;
  b.free_units -= units;
  b.locked_units += units;
  return true;
}

void Accounts::unlock(AccountId account, AssetId asset, int64_t units) {
  Balance& b = slot(account, asset);
  assert(units >= 0 && b.locked_units >= units);
  b.locked_units -= units;
  b.free_units += units;
}

void Accounts::consume_locked(AccountId account, AssetId asset, int64_t units) {
  Balance& b = slot(account, asset);
  assert(units >= 0 && b.locked_units >= units);
  b.locked_units -= units;
}

void Accounts::credit(AccountId account, AssetId asset, int64_t units) {
  assert(units >= 0);
  slot(account, asset).free_units += units;
}

Balance Accounts::balance(AccountId account, AssetId asset) const {
  auto found = balances_.find(account);
  if (found == balances_.end() || asset >= found->second.size()) return {};
  return found->second[asset];
}

int64_t Accounts::total(AssetId asset) const {
  int64_t sum = 0;
  for (const auto& [account, row] : balances_) {
    if (asset < row.size()) sum += row[asset].free_units + row[asset].locked_units;
  }
  return sum;
}

std::vector<AccountId> Accounts::account_ids() const {
  std::vector<AccountId> ids;
  for (const auto& [account, row] : balances_) ids.push_back(account);
  return ids;
}

}  // namespace phoenix::sim
