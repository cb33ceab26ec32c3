#pragma once

// Exchange balances: free and locked amounts per account per asset.

#include <cstddef>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.h"
#include "sim/order_book.h"

namespace phoenix::sim {

using AssetId = size_t;

// An asset and its scale: balances are int64 units of 10^-scale.
struct AssetSpec {
  std::string name;
  int scale = 8;
};

struct Balance {
  int64_t free_units = 0;
  int64_t locked_units = 0;
};

// Balances of every account in every registered asset, in the asset's units. Amounts
// never go negative: lock() refuses what is not free, and the other mutators are only
// called with amounts the caller has locked (checked by assert). Owned by the
// MatchingEngine; single-threaded (the exchange's event loop).
class Accounts {
 public:
  // Registers an asset; an error if the name exists or the scale is outside [0, 18].
  core::Result<AssetId> add_asset(AssetSpec spec);
  std::optional<AssetId> find_asset(std::string_view name) const;
  const AssetSpec& asset(AssetId id) const { return assets_[id]; }
  size_t asset_count() const { return assets_.size(); }

  // Adds `units` (>= 0) to the free balance; an error on overflow.
  core::Status deposit(AccountId account, AssetId asset, int64_t units);
  // Moves `units` from free to locked; false (and no change) if free < units.
  bool lock(AccountId account, AssetId asset, int64_t units);
  // Moves `units` from locked back to free.
  void unlock(AccountId account, AssetId asset, int64_t units);
  // Removes `units` from locked (it leaves the account: paid to a counterparty).
  void consume_locked(AccountId account, AssetId asset, int64_t units);
  // Adds `units` to free (received from a counterparty).
  void credit(AccountId account, AssetId asset, int64_t units);

  Balance balance(AccountId account, AssetId asset) const;
  // Sum of free + locked over all accounts.
  int64_t total(AssetId asset) const;
  std::vector<AccountId> account_ids() const;

 private:
  Balance& slot(AccountId account, AssetId asset);

  std::vector<AssetSpec> assets_;
  std::map<AccountId, std::vector<Balance>> balances_;
};

}  // namespace phoenix::sim
