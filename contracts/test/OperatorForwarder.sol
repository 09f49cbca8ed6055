// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

/// @title OperatorForwarder
/// @notice TEST ONLY. A minimal stand-in for a multisig wallet (a Safe): its owner makes it call
/// any contract, so the contract, not the owner, is msg.sender there. Used to show that the
/// auditor takes the acting operator from the events, not from the transaction's sender.
contract OperatorForwarder {
    /// @notice The account allowed to make this contract call others.
    address public immutable OWNER;

    /// @notice The caller is not the owner.
    /// @param caller The caller.
    error NotOwner(address caller);

    /// @notice The forwarded call reverted; its revert data is passed on.
    /// @param reason The callee's revert data.
    error ForwardedCallFailed(bytes reason);

    /// @notice A call was forwarded.
    /// @param target The contract called.
    /// @param data The calldata.
    event Forwarded(address indexed target, bytes data);

    /// @notice Makes the deployer the owner.
    constructor() {
        OWNER = msg.sender;
    }

    /// @notice Owner only: calls `target` with `data` as this contract.
    /// @param target The contract to call.
    /// @param data The calldata.
    /// @return result The callee's return data.
    function forward(address target, bytes calldata data) external returns (bytes memory result) {
        if (msg.sender != OWNER) revert NotOwner(msg.sender);
        emit Forwarded(target, data);
        bool ok;
        // solhint-disable-next-line avoid-low-level-calls
        (ok, result) = target.call(data);
        if (!ok) revert ForwardedCallFailed(result);
    }
}
