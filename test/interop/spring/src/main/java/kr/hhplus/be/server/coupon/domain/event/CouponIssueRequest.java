package kr.hhplus.be.server.coupon.domain.event;

// The seed's event, under the seed's class name: JsonSerializer writes that name as the __TypeId__ header, and
// the seed's consumer maps the token "couponIssueRequest" (what coupon-server writes) to it.
public class CouponIssueRequest {
    private Long userId;
    private Long couponPolicyId;

    public CouponIssueRequest() {
    }

    public static CouponIssueRequest create(Long userId, Long couponPolicyId) {
        CouponIssueRequest r = new CouponIssueRequest();
        r.userId = userId;
        r.couponPolicyId = couponPolicyId;
        return r;
    }

    public Long getUserId() {
        return userId;
    }

    public void setUserId(Long userId) {
        this.userId = userId;
    }

    public Long getCouponPolicyId() {
        return couponPolicyId;
    }

    public void setCouponPolicyId(Long couponPolicyId) {
        this.couponPolicyId = couponPolicyId;
    }
}
