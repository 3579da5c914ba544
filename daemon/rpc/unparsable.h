// Requests that do not parse get INVALID_ARGUMENT. gRPC's callback handlers
// answer such a request (a string field that is not UTF-8, a truncated
// message) with UNIMPLEMENTED and no message, as if the method did not exist
// (RunHandler in grpcpp/impl/codegen/server_callback_handlers.h).
// ParseChecked wraps one of those handlers: a request that does not parse is
// replaced by an empty one with a mark, and while the method's reactor getter
// runs for it `unparsable()` is true, so the getter answers INVALID_ARGUMENT
// instead of calling the service. Runs on gRPC's threads; no shared state.
#pragma once

#include <memory>
#include <string>

#include <google/protobuf/unknown_field_set.h>
#include <grpc/byte_buffer.h>
#include <grpcpp/impl/rpc_service_method.h>
#include <grpcpp/support/message_allocator.h>
#include <grpcpp/support/status.h>

namespace goprod::rpc {

namespace detail {
// The mark: an unknown field no request defines (the largest field number).
inline constexpr int kUnparsableMark = 536870911;
inline thread_local bool inUnparsable = false;
}  // namespace detail

// True while a wrapped method's reactor getter runs for a request that did not parse.
inline bool unparsable() { return detail::inUnparsable; }

template <class Request>
grpc::Status unparsableStatus() {
    return grpc::Status(grpc::StatusCode::INVALID_ARGUMENT,
                        "the request is not a valid " + Request::descriptor()->full_name() +
                            " (a string field that is not UTF-8, or a malformed message)");
}

// kUnary: the inner handler is a CallbackUnaryHandler (which keeps a request
// that failed to parse in its message holder), else a server-streaming one
// (which destroys it).
template <class Request, class Response, bool kUnary>
class ParseChecked final : public grpc::internal::MethodHandler {
public:
    explicit ParseChecked(std::unique_ptr<grpc::internal::MethodHandler> inner) : inner_(std::move(inner)) {}

    void* Deserialize(grpc_call* call, grpc_byte_buffer* payload, grpc::Status* status, void** data) override {
        void* request = inner_->Deserialize(call, payload, status, data);
        if (status->ok() || payload == nullptr) return request;
        if constexpr (kUnary) static_cast<grpc::MessageHolder<Request, Response>*>(*data)->Release();
        // An empty message always parses; the inner handler takes the buffer.
        request = inner_->Deserialize(call, grpc_raw_byte_buffer_create(nullptr, 0), status, data);
        if (request != nullptr) {
            auto* message = static_cast<Request*>(request);
            message->GetReflection()->MutableUnknownFields(message)->AddVarint(detail::kUnparsableMark, 1);
        }
        return request;
    }

    void RunHandler(const HandlerParameter& param) override {
        bool marked = false;
        if (param.status.ok() && param.request != nullptr) {
            const auto* message = static_cast<const Request*>(param.request);
            const auto& unknown = message->GetReflection()->GetUnknownFields(*message);
            for (int i = 0; i < unknown.field_count() && !marked; ++i) {
                marked = unknown.field(i).number() == detail::kUnparsableMark;
            }
        }
        detail::inUnparsable = marked;
        inner_->RunHandler(param);
        detail::inUnparsable = false;
    }

private:
    std::unique_ptr<grpc::internal::MethodHandler> inner_;
};

}  // namespace goprod::rpc
