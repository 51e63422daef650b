package coupon.peer;

// coupon-server's result record (result topic, no type header): read with this class as the default type.
public class CouponIssueResult {
    public String requestId;
    public Long userId;
    public Long couponPolicyId;
    public String status;
    public Long couponId;
    public String issuedAt;
    public String decidedAt;
    public Long remaining;
    public String error;
}
