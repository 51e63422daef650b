package coupon.peer;

// The seed's business failure (sold out, already issued): @RetryableTopic(exclude = ...) never retries it.
public class BusinessException extends RuntimeException {
    public BusinessException(String message) {
        super(message);
    }
}
